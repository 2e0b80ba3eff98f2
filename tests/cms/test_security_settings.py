"""Production settings pass Django's deployment checks; every response carries the security headers."""

import base64
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def production_env(**overrides) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="cms.settings.production",
        SECRET_KEY="k" * 20 + "-production-check-" + "x7Qp2Lr9Zs4Vt8Wn3Yb6Hc1Jd5Kf0Mg" * 2,
        ALLOWED_HOSTS="mlr.example.com",
        **overrides,
    )
    return env


def run_manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_check_deploy_passes_on_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())

    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_turning_https_off_in_production_is_reported():
    env = production_env(SECURE_SSL_REDIRECT="off", SECURE_HSTS_SECONDS="0")

    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 1
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


def test_production_settings_redirect_to_https_and_send_hsts():
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        " s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    )
    result = run_manage("shell", "-c", code, env=production_env())

    assert result.stdout.splitlines()[-1].split() == ["True", "31536000", "True", "True", "True"]


def csp_of(response) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))


def test_responses_outside_the_admin_get_the_strict_policy(client):
    response = client.get("/api/v1/search")

    policy = csp_of(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"].startswith("'self' 'sha256-")
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'self'"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_the_admin_allows_wagtails_inline_scripts_and_nothing_else_more(client):
    response = client.get("/admin/login/")

    policy = csp_of(response)
    assert policy["script-src"] == "'self' 'unsafe-inline'"
    assert policy["object-src"] == "'none'"
    assert policy["connect-src"] == "'self'"
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]


def test_the_edetail_decks_inline_script_is_the_one_the_policy_allows(product, market):
    from modules.rendering import render_edetail
    from tests import factories

    block = factories.text_block(product=product, market=market, publish=False)
    html = render_edetail(factories.edetail(product=product, market=market, slides=[[block]]))

    script = re.search(r"<script>(.*?)</script>", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"'sha256-{digest}'" == settings.EDETAIL_SCRIPT_HASH
