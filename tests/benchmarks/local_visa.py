"""visa started on this machine as production runs it, for a benchmark: PostgreSQL (a database of
the benchmark's own, made anew), Redis (REDIS_URL, required), devcloud, ASGI processes (uvicorn)
and a Celery worker with beat, with production's periods."""
import os
import sys
import uuid

import django

from tests.benchmarks.databases import fresh_database

PASSWORD = "benchmark-user-pw"

# Production's periods (the test stack's are of a second, for fault tests), so that the reconciler
# does not add its load to what is measured.
PERIODS = {"VISA_RECONCILE_PERIOD": "60", "VISA_EXPIRY_PERIOD": "300", "VISA_STUCK_AFTER": "120",
           "VISA_POLL_INTERVAL": "0.2"}


def start_visa(name, directory, web_processes, build_seconds=1.0):
    """visa on the database visa_bench_<name>, its devcloud building a server in `build_seconds`:
    (URLs of the web processes, the processes, devcloud, stop)."""
    if not os.environ.get("REDIS_URL"):
        sys.exit("REDIS_URL is needed (several web processes share Redis), e.g. redis://127.0.0.1:6379/9")
    os.environ["DATABASE_URL"] = fresh_database(name)
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-" + os.urandom(16).hex())
    django.setup()
    from django.core.management import call_command

    from deploy.devcloud.testing import start_devcloud
    from tests.support.stack import Stack, end

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    for part in ("devcloud", "stack"):
        (directory / part).mkdir(parents=True, exist_ok=True)
    cloud = start_devcloud(directory / "devcloud", max_instances=50, build_seconds=build_seconds)
    stack, more = None, []

    def stop():
        end(*(process for _, process in more))
        if stack:
            stack.stop()
        cloud.stop()

    try:  # a loaded machine may start a process too slowly: stop those that started
        stack = Stack(directory / "stack", cloud.auth_url, env=PERIODS)
        for n in range(2, web_processes + 1):
            more.append(stack.start_web(f"web{n}"))
    except BaseException:
        stop()
        raise

    return [stack.url, *(url for url, _ in more)], [stack.web, *(process for _, process in more)], cloud, stop


def make_users(limits, prefix="bench"):
    """One user per limit, each with an open-data quota of that many instances (and room for as
    many m1.small); return (user, limit) pairs. Their password is PASSWORD."""
    from django.contrib.auth import get_user_model

    from quotas.models import Purpose, Quota

    run = uuid.uuid4().hex[:6]
    users = []
    for number, limit in enumerate(limits, 1):
        user = get_user_model().objects.create_user(f"{prefix}-{run}-{number}", f"{prefix}-{number}@visa.example",
                                                    PASSWORD)
        Quota.objects.create(user=user, purpose=Purpose.OPEN_DATA, max_instances=limit, max_vcpus=limit * 2,
                             max_ram_gb=limit * 4)
        users.append((user, limit))
    return users
