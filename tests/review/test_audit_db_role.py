"""The hardened deployment: an application role that may only read and append to the audit trail.

`.ci/run` creates a second login role and names it in TEST_APP_DB_ROLE / TEST_APP_DB_PASSWORD. The
test grants it exactly what docs/deployment/app-role.sql grants (it runs that file) and shows the
database itself refuses the role every way of changing the trail, while the application's own
append path works for it.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from review.audit import audit_record, audit_verify
from review.models import AuditEntry

GRANTS = Path(settings.BASE_DIR) / "docs" / "deployment" / "app-role.sql"
ROLE, PASSWORD = os.environ.get("TEST_APP_DB_ROLE", ""), os.environ.get("TEST_APP_DB_PASSWORD", "")


@pytest.fixture
def app_role(transactional_db):
    """The role, granted what the deployment grants on the test database (revoked afterwards)."""
    problem = (
        "needs PostgreSQL"
        if connection.vendor != "postgresql"
        else ""
        if ROLE
        else "TEST_APP_DB_ROLE is unset"
    )
    if problem:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"The application-role test must run in CI: {problem} (see .ci/run).")
        pytest.skip(problem)
    from psycopg import sql

    grants = [part.strip() for part in strip_comments(GRANTS.read_text()).split(";") if part.strip()]
    with connection.cursor() as cursor:
        for statement in grants:
            cursor.execute(sql.SQL(statement.replace(':"app_role"', "{}")).format(sql.Identifier(ROLE)))
    yield ROLE
    with connection.cursor() as cursor:
        for revoke in (
            "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}",
            "REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {}",
            "REVOKE USAGE ON SCHEMA public FROM {}",
        ):
            cursor.execute(sql.SQL(revoke).format(sql.Identifier(ROLE)))


def strip_comments(text: str) -> str:
    return re.sub(r"--[^\n]*", "", text)


def connect_as_role():
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        dbname=db["NAME"],
        user=ROLE,
        password=PASSWORD,
        autocommit=True,
    )


class AsAppRole:
    """Django's own connection, logged in as the application role for the duration."""

    def __enter__(self):
        connection.close()
        self.saved = {key: connection.settings_dict[key] for key in ("USER", "PASSWORD")}
        connection.settings_dict.update(USER=ROLE, PASSWORD=PASSWORD)

    def __exit__(self, *exc):
        connection.close()
        connection.settings_dict.update(self.saved)


def test_app_role_does_not_own_the_audit_table(app_role):
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'review_auditentry'")
        (owner,) = cursor.fetchone()
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [app_role])
        (superuser,) = cursor.fetchone()
    assert owner != app_role and not superuser


def test_app_role_cannot_update_delete_or_truncate_the_trail(app_role):
    from psycopg import errors

    entry = audit_record(action="test.action", data={"n": 1})
    with connect_as_role() as role_db:
        assert role_db.execute("SELECT count(*) FROM review_auditentry").fetchone() == (1,)
        for statement in (
            "UPDATE review_auditentry SET action = 'forged'",
            "DELETE FROM review_auditentry",
            "TRUNCATE review_auditentry",
            "ALTER TABLE review_auditentry DISABLE TRIGGER USER",
            "DROP TRIGGER review_auditentry_append_only ON review_auditentry",
        ):
            with pytest.raises(errors.InsufficientPrivilege, match="(permission denied|must be owner)"):
                role_db.execute(statement)
        # The owner's escape hatch for flushing test databases is no escape for the application.
        role_db.execute("SET review.allow_audit_truncate = 'on'")
        with pytest.raises(errors.InsufficientPrivilege, match="permission denied"):
            role_db.execute("TRUNCATE review_auditentry")
    assert AuditEntry.objects.get().action == entry.action == "test.action"


def test_even_a_truncate_grant_by_mistake_meets_the_trigger(app_role):
    from psycopg import errors

    audit_record(action="test.action")
    with connection.cursor() as cursor:
        cursor.execute(f'GRANT TRUNCATE ON review_auditentry TO "{app_role}"')
    with connect_as_role() as role_db:
        role_db.execute("SET review.allow_audit_truncate = 'on'")  # honoured only for the owner
        with pytest.raises(errors.InsufficientPrivilege, match="append-only: TRUNCATE refused"):
            role_db.execute("TRUNCATE review_auditentry")
    assert AuditEntry.objects.count() == 1


def test_app_role_appends_through_the_applications_audit_path(app_role, capsys):
    first = audit_record(action="test.as_owner")
    with AsAppRole():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone() == (app_role,)
        appended = audit_record(action="test.as_app_role", object_repr="written by the app role")

    assert appended.sequence == first.sequence + 1 and appended.previous_hash == first.entry_hash
    assert audit_verify().intact
    call_command("verify_audit")
    assert "Audit chain intact: 2 entries verified." in capsys.readouterr().out
