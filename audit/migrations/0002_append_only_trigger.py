"""On PostgreSQL, the database itself refuses UPDATE and DELETE of audit events.

A row-level BEFORE UPDATE OR DELETE trigger raises "audit events are append-only". TRUNCATE is
a statement-level operation that row triggers do not see, so the test suite's flushes still
work; in production, the application's role should not own the table (see docs/deployment.md),
since an owner can also disable the trigger. Other databases get no trigger; the model and its
queryset refuse edits there as everywhere.
"""

from django.db import migrations

TABLE = "audit_auditevent"
FUNCTION = "audit_auditevent_refuse_change"
TRIGGER = "audit_auditevent_append_only"

CREATE = [
    f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% refused on event %)', TG_OP, OLD.id;
END;
$$
""",
    f"""
CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()
""",
]

DROP = [
    f"DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {FUNCTION}()",
]


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            # params=None: the "%" in RAISE is PL/pgSQL's placeholder, not the driver's.
            schema_editor.execute(statement, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger, elidable=False)]
