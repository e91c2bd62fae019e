from django.db import migrations

from assessments.transitions import trigger_sql


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(trigger_sql()[0], params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(trigger_sql()[1], params=None)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0002_assessment_assigned_to_assessment_decided_at_and_more")]

    operations = [migrations.RunPython(create, drop)]
