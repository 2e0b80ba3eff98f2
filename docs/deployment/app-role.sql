-- The application's database role in a hardened deployment (see docs/audit-trail.md).
--
-- Run as the role that owns the tables (the one `manage.py migrate` runs as), after every migrate:
--   psql "$OWNER_DATABASE_URL" -v app_role=cms_app -f docs/deployment/app-role.sql
-- The application (web, worker, scheduler) then connects as that role through DATABASE_URL; only
-- migrations run as the owner. The role must exist (CREATE ROLE cms_app LOGIN PASSWORD '…'),
-- must not own any table, and must be neither superuser nor member of the owner role.
-- tests/review/test_audit_db_role.py runs this very file against the test database.

GRANT USAGE ON SCHEMA public TO :"app_role";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app_role";

-- The audit trail is append-only: the application reads it and appends to it, nothing else.
-- (No UPDATE also means no SELECT … FOR UPDATE; appends are serialised by an advisory lock.)
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON review_auditentry FROM :"app_role";
