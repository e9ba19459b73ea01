"""New VNC secrets and agent tokens for running instances, taken by each VM's mount agent without
breaking a desktop (instances/cloud/vmsecrets.py). Run it after someone who could read a VM's
secrets lost access, and after changing DJANGO_SECRET_KEY (the old key in
DJANGO_SECRET_KEY_FALLBACKS until this command reports nothing waiting)."""
import uuid

from django.core.management.base import BaseCommand, CommandError

from instances.cloud import vmsecrets
from instances.models import Instance
from instances.states import LIVE


class Command(BaseCommand):
    help = "Rotate the VNC secrets and mount-agent tokens of live instances (all, or those named)."

    def add_arguments(self, parser):
        parser.add_argument("uuids", nargs="*", type=uuid.UUID, metavar="UUID", help="only these instances")
        parser.add_argument("--status", action="store_true", help="only report the rotations still waiting")

    def handle(self, *args, uuids, status, **options):
        chosen = Instance.objects.filter(uuid__in=uuids) if uuids else Instance.objects.all()
        if uuids and chosen.count() != len(set(uuids)):
            unknown = set(uuids) - set(chosen.values_list("uuid", flat=True))
            raise CommandError(f"No instance with UUID {', '.join(sorted(map(str, unknown)))}.")
        if not status:
            count = vmsecrets.rotate(chosen)
            self.stdout.write(f"New secrets for {count} instance(s); each VM's agent takes them at its next poll.")
        waiting = chosen.filter(state__in=LIVE).exclude(vnc_secret_next="")
        for instance in waiting:
            self.stdout.write(f"waiting: {instance.uuid} {instance.name} ({instance.state})")
        self.stdout.write(f"{len(waiting)} instance(s) have not taken their new secrets yet.")
