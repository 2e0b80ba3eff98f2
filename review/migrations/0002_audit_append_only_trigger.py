"""Refuse UPDATE and DELETE on audit entries in the database itself, not only in the ORM."""

from django.db import migrations

POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION review_auditentry_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION USING MESSAGE = 'audit entries are append-only: ' || TG_OP || ' refused';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER review_auditentry_append_only
    BEFORE UPDATE OR DELETE ON review_auditentry
    FOR EACH ROW EXECUTE FUNCTION review_auditentry_append_only();
    """,
]
def create_triggers(apps, schema_editor):
    # PostgreSQL is the production database. TRUNCATE is refused by a statement trigger (0005).
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in POSTGRESQL:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("review", "0001_audit_entry")]

    operations = [migrations.RunPython(create_triggers, migrations.RunPython.noop)]
