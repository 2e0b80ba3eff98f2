"""Tell every process when a row that a channel's token-and-item read depends on changes.

Statement-level triggers `NOTIFY delivery_reads` (delivered at commit; repeated notices within one
transaction are folded into one by PostgreSQL) on the tables `delivery.selectors.usable_token`
reads: tokens (not on `last_used_at`, which reads themselves write), clients and their scope,
published items and their scope, and approval records. `delivery/read_cache.py` listens. SQLite has
no NOTIFY: the cache is PostgreSQL-only, so nothing is installed there.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION delivery_reads_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('delivery_reads', '');
    RETURN NULL;
END;
$$;
"""

# Every change of these tables; the token table's own below.
TABLES = [
    "review_approvalrecord",
    "delivery_publisheditem",
    "delivery_publisheditem_markets",
    "delivery_publisheditem_channels",
    "delivery_publisheditem_audiences",
    "delivery_publisheditem_products",
    "delivery_channelclient",
    "delivery_channelclient_markets",
    "delivery_channelclient_channels",
    "delivery_channelclient_audiences",
]
TOKEN_COLUMNS = "id, client_id, digest, expires_at, revoked_at"


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    statements = [FUNCTION]
    for table in TABLES:
        statements.append(
            f"CREATE TRIGGER {table}_reads_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION delivery_reads_notify()"
        )
    statements.append(
        "CREATE TRIGGER delivery_channeltoken_reads_notify"
        f" AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF {TOKEN_COLUMNS} ON delivery_channeltoken"
        " FOR EACH STATEMENT EXECUTE FUNCTION delivery_reads_notify()"
    )
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in [*TABLES, "delivery_channeltoken"]:
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_reads_notify ON {table}")
        cursor.execute("DROP FUNCTION IF EXISTS delivery_reads_notify()")


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0005_channelclient_scope_version"),
        ("review", "0005_audit_refuse_truncate"),
    ]

    operations = [migrations.RunPython(install, remove)]
