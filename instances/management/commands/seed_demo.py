"""Demo data: a user, two open European XFEL datasets, and the images and flavours devcloud offers
(read from its catalogue file: visa imports nothing from devcloud, a separate program)."""
import datetime
import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from instances.models import Flavour, Image
from openaccess.models import Dataset, Experiment

DEMO_USER, DEMO_PASSWORD = "demo", "demo"
DEMO_IMAGES = {  # description, icon, what it offers
    "ubuntu-desktop": ("Desktop with Python, Jupyter and EXtra-data", Image.Icon.NOTEBOOK, Image.Offers.BOTH),
    "almalinux-desktop": ("A plain desktop with a terminal and the facility's command-line tools", Image.Icon.TERMINAL,
                          Image.Offers.DESKTOP),
}
DEMO_FLAVOURS = ["m1.small", "m1.medium", "m1.large"]
CATALOGUE = settings.BASE_DIR / "deploy" / "devcloud" / "catalogue.json"


class Command(BaseCommand):
    help = "Create the demo user and demo data (idempotent)."

    def handle(self, *args, **options):
        users = get_user_model().objects
        if not users.filter(username=DEMO_USER).exists():
            users.create_superuser(DEMO_USER, "demo@visa.example", DEMO_PASSWORD,
                                   first_name="Demo", last_name="Scientist")
        self.dataset("700000", "Serial femtosecond crystallography of photoactive yellow protein",
                     "Time-resolved SFX at the SPB/SFX instrument; raw and calibrated detector data.",
                     "SPB/SFX", ["serial femtosecond crystallography", "x-ray diffraction"],
                     datetime.date(2017, 9, 11), "SPB")
        # a second one, to open in the desktop launched for the first
        self.dataset("700001", "Ultrafast x-ray scattering of liquid water",
                     "Time-resolved solution scattering at the FXE instrument after optical excitation.",
                     "FXE", ["x-ray solution scattering"], datetime.date(2017, 10, 2), "FXE")
        catalogue = json.loads(CATALOGUE.read_text())
        for key, (description, icon, offers) in DEMO_IMAGES.items():
            image = catalogue["images"][key]
            Image.objects.update_or_create(cloud_id=image["id"], defaults={
                "name": image["name"], "description": description, "icon": icon, "offers": offers})
        for key in DEMO_FLAVOURS:
            flavour = catalogue["flavours"][key]
            Flavour.objects.update_or_create(cloud_id=flavour["id"], defaults={
                "name": flavour["name"], "cpus": flavour["vcpus"], "ram_mb": flavour["ram"]})
        self.stdout.write(f"Demo data ready ({timezone.now():%Y-%m-%d %H:%M}).")

    @staticmethod
    def dataset(proposal_id, title, abstract, instrument, techniques, start, folder):
        """An open experiment with one DOI, 10.22003/xfel.eu-data-<proposal id>-00."""
        experiment, _ = Experiment.objects.update_or_create(
            proposal_id=proposal_id,
            defaults=dict(
                title=title, abstract=abstract, facility="European XFEL", instrument=instrument,
                licence="CC-BY-4.0", techniques=techniques,
                start_date=start, end_date=start + datetime.timedelta(days=5),
                data_path=f"/pnfs/xfel.eu/exfel/archive/XFEL/raw/{folder}/201701/p{proposal_id}",
                release_date=datetime.datetime(2020, 9, 16, tzinfo=datetime.UTC),
            ),
        )
        Dataset.objects.update_or_create(
            doi=f"10.22003/xfel.eu-data-{proposal_id}-00", defaults={"experiment": experiment, "title": title},
        )
