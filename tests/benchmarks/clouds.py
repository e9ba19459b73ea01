"""What a second cloud costs the reconciler, and what a cloud that hangs costs the others.

    .venv/bin/python -m tests.benchmarks.clouds [--instances 20] [--runs 5] [--timeout 3]

Starts two devclouds of its own and visa's settings on a fresh SQLite database in a temporary
directory (nothing of the demo's is touched), registers the second as "Site B", gives each cloud
--instances ACTIVE instances with their servers, and times `reconcile()` (which lists each cloud's
servers and checks each instance) --runs times: on the first cloud alone (the peer: visa before
several clouds), on both, and on both with Site B hanging (bounded by VISA_CLOUD_TIMEOUT,
--timeout s). Also counts the instances the hanging cloud left in ACTIVE on the other (must be all).
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.results import record

VARIABLE, PASSWORD = "OPENSTACK_PASSWORD_BENCH_B", "bench-b"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instances", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=3)
    args = parser.parse_args()

    from deploy.devcloud.testing import start_devcloud

    work = Path(tempfile.mkdtemp(prefix="visa-bench-clouds-"))
    for name in ("a", "b"):
        (work / name).mkdir()
    first = start_devcloud(work / "a", max_instances=args.instances + 5)
    second = start_devcloud(work / "b", password=PASSWORD, max_instances=args.instances + 5)
    try:
        figures = run(args, work, first, second)
    finally:
        first.stop()
        second.stop()
    record("clouds", figures)


def run(args, work, first, second):
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)  # the demo's embedded defaults, in the temporary directory
    os.environ.update({"VISA_VAR_DIR": str(work), "OPENSTACK_AUTH_URL": first.auth_url,
                       "VISA_CLOUD_TIMEOUT": str(args.timeout), VARIABLE: PASSWORD,
                       "DJANGO_SETTINGS_MODULE": "visa.settings"})
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))

    from instances.lifecycle.reconcile import reconcile
    from instances.models import Cloud, Flavour, Image, Instance

    def timed(label):
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            reconcile()
            times.append(time.perf_counter() - started)
        return {f"{label}_p50_s": round(statistics.median(times), 3), f"{label}_max_s": round(max(times), 3)}

    figures = {"instances_per_cloud": args.instances, "runs": args.runs, "cloud_timeout_s": args.timeout}
    site_a = Cloud.objects.get(from_settings=True)
    populate(first, site_a, Image.objects.get(name="Ubuntu 24.04 Desktop"), Flavour.objects.get(name="m1.small"),
             args.instances)
    figures.update(timed("first_cloud_only"))  # the peer: one cloud, as visa was

    site_b = Cloud.objects.create(name="Site B", auth_url=second.auth_url, region_name="RegionOne",
                                  project_name="visa", username="visa", password_variable=VARIABLE)
    populate(second, site_b, Image.objects.create(provider=site_b, name="B", cloud_id=site_a.images.first().cloud_id),
             Flavour.objects.create(provider=site_b, name="b", cloud_id=site_a.flavours.first().cloud_id, cpus=2,
                                    ram_mb=4096), args.instances)
    figures.update(timed("both_clouds"))
    second.faults(hang=True)
    try:
        figures.update(timed("site_b_hanging"))
        figures["active_on_the_first"] = Instance.objects.filter(cloud=site_a, state="ACTIVE").count()
        figures["unknown_on_site_b"] = Instance.objects.filter(cloud=site_b, state="UNKNOWN").count()
    finally:
        second.clear_faults()
    return figures


def populate(devcloud, cloud, image, flavour, count):
    """`count` ACTIVE instances on `cloud`, each with its server there."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from deploy.devcloud.testing import vnc_user_data
    from instances.models import Instance

    owner = get_user_model().objects.get(username="demo")
    conn = devcloud.connect()
    for _ in range(count):
        instance = Instance.objects.create(owner=owner, image=image, flavour=flavour, cloud=cloud, name="bench",
                                           state="ACTIVE", state_changed_at=timezone.now())
        server = conn.compute.create_server(name=instance.server_name, image_id=image.cloud_id,
                                            flavor_id=flavour.cloud_id, metadata={"visa_instance": str(instance.uuid)},
                                            user_data=vnc_user_data(instance.vnc_secret))
        Instance.objects.filter(pk=instance.pk).update(server_id=server.id)
    time.sleep(1)  # past the instances' state_changed_at, which the reconciler leaves for the next run


if __name__ == "__main__":
    sys.exit(main())
