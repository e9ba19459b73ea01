"""Whether each registered cloud answers visa as the web and worker processes reach it: with the
secret from this host's environment, the readiness check's short timeout, and Nova's limits."""
from django.core.management.base import BaseCommand, CommandError

from instances.cloud import driver
from instances.cloud.health import TIMEOUT
from instances.models import Cloud


class Command(BaseCommand):
    help = "Ask each registered cloud for its compute limits; exit 1 if one does not answer."

    def handle(self, *args, **options):
        failed = []
        for cloud in Cloud.objects.all():
            try:
                limits = driver.limits(driver.connect(cloud, timeout=TIMEOUT))
            except driver.ERRORS as error:
                failed.append(cloud.name)
                self.stdout.write(f"{cloud.name}: does not answer: {error}")
                continue
            used = ", ".join(f"{name} {now} of {'no limit' if most < 0 else most}"
                             for name, (now, most) in limits.items())
            self.stdout.write(f"{cloud.name}{'' if cloud.enabled else ' (disabled)'}: answers; {used}")
        if failed:
            raise CommandError(f"Not answering: {', '.join(failed)}.")
