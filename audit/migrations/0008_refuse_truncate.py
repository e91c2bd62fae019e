"""On PostgreSQL, the database also refuses TRUNCATE of the audit table.

Row triggers (migration 0002) do not see TRUNCATE, which empties the table in one statement; a
statement-level BEFORE TRUNCATE trigger does. The test suite empties every table between
transactional tests with TRUNCATE: its connections set `portal.audit_truncate_for_tests` (see
tests/conftest.py), which no deployment sets. The signed checkpoints (audit/checkpoints.py)
catch what an owner of the table could still do by switching the trigger off.
"""

from django.db import migrations

TABLE = "audit_auditevent"
FUNCTION = "audit_auditevent_refuse_truncate"
TRIGGER = "audit_auditevent_no_truncate"

CREATE = [
    f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('portal.audit_truncate_for_tests', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit events are append-only (TRUNCATE refused)';
END;
$$
""",
    f"""
CREATE TRIGGER {TRIGGER} BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()
""",
]

DROP = [
    f"DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {FUNCTION}()",
]


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0007_model_test_actions")]

    operations = [migrations.RunPython(create_trigger, drop_trigger, elidable=False)]
