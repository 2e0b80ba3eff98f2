"""Production settings pass Django's deployment checks; every response carries the security headers."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_admin_login_carries_csp_and_permissions_policy(client):
    response = client.get("/admin/login/")

    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"].startswith("'self' 'sha256-")
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'self'"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
