"""The two default quotas operators start from: one for members' own data, a smaller one for open data."""
from django.db import migrations

from quotas.models import DEFAULT_LIMITS


def create(apps, schema_editor):
    Quota = apps.get_model("quotas", "Quota")
    for purpose, limits in DEFAULT_LIMITS.items():
        Quota.objects.get_or_create(purpose=purpose, user=None, group=None, defaults=limits)


class Migration(migrations.Migration):
    dependencies = [("quotas", "0002_levels_purposes_approval")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
