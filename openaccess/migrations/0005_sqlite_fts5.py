"""SQLite's full-text index of experiments (FTS5 and its triggers: openaccess/fulltext.py);
PostgreSQL keeps its GIN-indexed search vector (0003) and gets nothing here."""
from django.db import migrations

from openaccess.fulltext import drop_sqlite_index, ensure_sqlite_index


def create(apps, schema_editor):
    ensure_sqlite_index(schema_editor.connection)


def drop(apps, schema_editor):
    drop_sqlite_index(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('openaccess', '0004_facility_account'),
    ]

    operations = [migrations.RunPython(create, drop)]
