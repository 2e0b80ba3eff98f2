"""Refuse TRUNCATE of the audit table in the database itself (the row trigger cannot see TRUNCATE).

Only the table's owner can switch the refusal off, and only for its own session, by setting
`review.allow_audit_truncate` to `on`; the owner could equally disable or drop the trigger, so this
gives nobody a power they lacked. The test settings do it, because flushing a test database
truncates every table. A deployment whose application role does not own the table (docs/audit-trail.md)
cannot truncate it at all.
"""

from django.db import migrations

POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION review_auditentry_refuse_truncate() RETURNS trigger AS $$
    BEGIN
        IF current_setting('review.allow_audit_truncate', true) = 'on' AND pg_has_role(
            current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER'
        ) THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION USING
            MESSAGE = 'audit entries are append-only: TRUNCATE refused',
            ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER review_auditentry_refuse_truncate
    BEFORE TRUNCATE ON review_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION review_auditentry_refuse_truncate();
    """,
]
REVERSE = [
    "DROP TRIGGER IF EXISTS review_auditentry_refuse_truncate ON review_auditentry",
    "DROP FUNCTION IF EXISTS review_auditentry_refuse_truncate()",
]


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in POSTGRESQL:
        schema_editor.execute(statement)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in REVERSE:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("review", "0004_approval_cascaded_from")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
