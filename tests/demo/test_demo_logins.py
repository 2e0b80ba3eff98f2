"""A lost development login: seed_demo says where each role logs in and resets demo passwords."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from demo.seed import DEMO_USERS, seed_users

pytestmark = pytest.mark.django_db


def login_table(output: str) -> dict[str, list[str]]:
    return {
        line.split()[0]: line.split()[1:]
        for line in output.splitlines()
        if line.startswith("  ") and line.split()[0] in {"admin", "author", "medical", "rep", "coordinator"}
    }


def test_reset_passwords_gives_every_demo_user_a_new_working_password(capsys):
    _, created = seed_users()
    old = {username: password for username, password, _ in created}
    call_command("seed_demo", "--reset-passwords", "--base-url", "http://127.0.0.1:8123/")
    out = capsys.readouterr().out
    assert "New development logins (shown once, keep them):" in out
    table = login_table(out)
    assert table["author"][1] == "http://127.0.0.1:8123/admin/"
    assert table["medical"][1] == "http://127.0.0.1:8123/admin/review/"
    assert table["rep"][1] == "http://127.0.0.1:8123/reps/"
    users = get_user_model().objects
    for username in ("admin", "author", "rep"):
        new = table[username][0]
        assert new != old[username]
        assert users.get(username=username).check_password(new)
        assert not users.get(username=username).check_password(old[username])


def test_reset_passwords_without_a_demo_fails_and_creates_nobody(capsys):
    with pytest.raises(CommandError, match="no demo users yet"):
        call_command("seed_demo", "--reset-passwords")
    assert not get_user_model().objects.exists()


def test_second_run_says_the_demo_exists_where_to_log_in_and_how_to_reset(capsys):
    call_command("seed_demo")
    capsys.readouterr()
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "The demo exists already" in out
    assert "Where to log in:" in out
    assert "http://127.0.0.1:8000/admin/review/" in out
    assert (
        out.rstrip()
        .splitlines()[-1]
        .startswith("Lost a login? `.venv/bin/python manage.py seed_demo --reset")
    )


def test_each_password_reset_is_in_the_audit_trail_without_the_password(capsys):
    """A credential change in a Part 11 system is attributable: who, when, which account."""
    from review.audit import audit_verify
    from review.models import AuditEntry

    seed_users()
    call_command("seed_demo", "--reset-passwords")
    table = login_table(capsys.readouterr().out)
    entries = AuditEntry.objects.filter(action="auth.password_reset")
    assert sorted(e.object_repr for e in entries) == sorted(username for username, *_ in DEMO_USERS)
    for entry in entries:
        assert entry.data == {"username": entry.object_repr, "by": "manage.py seed_demo --reset-passwords"}
        if entry.object_repr in table:  # the new password shown once is nowhere in the trail
            assert table[entry.object_repr][0] not in str(entry.data)
    assert audit_verify().intact
