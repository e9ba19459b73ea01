"""Demo data: a user, an open European XFEL dataset, and devcloud's images and flavours."""
import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from instances.models import Flavour, Image
from openaccess.models import Dataset, Experiment

DEMO_USER, DEMO_PASSWORD = "demo", "demo"
# devcloud's built-in catalogue (deploy/devcloud/catalogue.py).
IMAGES = [
    ("Ubuntu 24.04 Desktop", "6f0c6f2a-1d1e-4a7e-9d5b-2b6a0d9e0001", "Xfce desktop with Python, Jupyter and EXtra-data"),
]
FLAVOURS = [
    ("m1.small", "f1a0c0de-0000-4000-8000-000000000001", 2, 4096),
    ("m1.medium", "f1a0c0de-0000-4000-8000-000000000002", 4, 8192),
]


class Command(BaseCommand):
    help = "Create the demo user and demo data (idempotent)."

    def handle(self, *args, **options):
        users = get_user_model().objects
        if not users.filter(username=DEMO_USER).exists():
            users.create_superuser(DEMO_USER, "demo@visa.example", DEMO_PASSWORD, first_name="Demo", last_name="Scientist")
        experiment, _ = Experiment.objects.update_or_create(
            proposal_id="700000",
            defaults=dict(
                title="Serial femtosecond crystallography of photoactive yellow protein",
                abstract="Time-resolved SFX at the SPB/SFX instrument; raw and calibrated detector data.",
                instrument="SPB/SFX",
                techniques=["serial femtosecond crystallography", "x-ray diffraction"],
                start_date=datetime.date(2017, 9, 11),
                end_date=datetime.date(2017, 9, 16),
                data_path="/pnfs/xfel.eu/exfel/archive/XFEL/raw/SPB/201701/p700000",
                release_date=datetime.datetime(2020, 9, 16, tzinfo=datetime.timezone.utc),
            ),
        )
        Dataset.objects.update_or_create(
            doi="10.22003/xfel.eu-data-700000-00",
            defaults={"experiment": experiment, "title": experiment.title},
        )
        for name, cloud_id, description in IMAGES:
            Image.objects.update_or_create(cloud_id=cloud_id, defaults={"name": name, "description": description})
        for name, cloud_id, cpus, ram_mb in FLAVOURS:
            Flavour.objects.update_or_create(cloud_id=cloud_id, defaults={"name": name, "cpus": cpus, "ram_mb": ram_mb})
        self.stdout.write(f"Demo data ready ({timezone.now():%Y-%m-%d %H:%M}).")
