"""`manage.py recommendations_eval`: on known-taste synthetic data the recommender beats popularity."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from engagement.models import CoEngagement, Event, RecommendationRun

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--hcps", "150", "--items", "120", "--seed", "3"]


def run(*args) -> str:
    out = StringIO()
    call_command("recommendations_eval", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_recommender_beats_the_popularity_baseline_on_known_taste_and_touches_no_data():
    output = run(*SMALL)
    assert "seed 3, 150 HCPs, 120 items" in output and "Timings: generate" in output
    rates = {
        name: (float(hit_rate), float(coverage))
        for name, hit_rate, coverage in re.findall(
            r"^(recommender|popularity)\s+([\d.]+)\s+([\d.]+)", output, re.M
        )
    }
    assert set(rates) == {"recommender", "popularity"}
    assert rates["recommender"][0] > rates["popularity"][0]
    assert rates["recommender"][1] > rates["popularity"][1]  # and lists more of the catalogue
    assert not Event.objects.exists() and not CoEngagement.objects.exists()
    assert not RecommendationRun.objects.exists()


def test_the_same_seed_gives_the_same_figures():
    first, second = run(*SMALL), run(*SMALL)
    strip = lambda text: text.split("Timings:")[0]  # noqa: E731
    assert strip(first) == strip(second)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--hcps", "1"], "--hcps must be between 10 and 20000; got 1."),
        (["--items", "999999"], "--items must be between 10 and 20000; got 999999."),
        (["--days", "20"], "--days must be between 37 and 365; got 20."),
        (["--k", "0"], "--k must be between 1 and 50; got 0."),
        (["--events-per-hcp", "-3"], "--events-per-hcp must be between 1 and 500; got -3."),
    ],
)
def test_bad_options_are_refused_with_a_clear_message(args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        run(*args)


def test_a_non_number_exits_non_zero_from_the_shell():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "manage.py", "recommendations_eval", "--seed", "abc"],
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "cms.settings.test", "PATH": "/usr/bin:/bin"},
        cwd=ROOT,
    )
    assert result.returncode != 0 and "--seed: invalid int value: 'abc'" in result.stderr
    bad = subprocess.run(
        [sys.executable, "manage.py", "recommendations_eval", "--hcps", "5"],
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "cms.settings.test", "PATH": "/usr/bin:/bin"},
        cwd=ROOT,
    )
    assert bad.returncode == 1 and "CommandError: --hcps must be between 10 and 20000; got 5." in bad.stderr
