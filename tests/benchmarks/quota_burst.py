"""A burst of concurrent launch requests over HTTP against quotas: none may pass a limit.

Run against a running visa (`make run` in another terminal), with the same database settings as
the service (none for the demo's SQLite; DATABASE_URL and DJANGO_SECRET_KEY for PostgreSQL), because it makes its users
and their quotas, and counts what was recorded, in that database:
    .venv/bin/python -m tests.benchmarks.quota_burst [--url http://127.0.0.1:8000] [--requests 200]
It makes one user per limit in --limits (open-data quotas of 1, 2, 3 and 4 instances by default),
signs each in, and sends --requests `POST /api/instances/` at once, spread evenly over the users,
each on its own connection. Prints accepted, refused (by reason), violations (instances recorded
beyond a user's limit; must be 0) and the latency of the launch request in the burst and alone
(twenty requests one after another once the burst is over), as a table and JSON.
Afterwards it deletes what it launched (once built), unless --keep.
"""
import argparse
import collections
import json
import os
import statistics
import threading
import time
import uuid

import django
import requests

from tests.support.web import WebUser

PASSWORD = "burst-benchmark-pw"


def make_users(limits):
    from django.contrib.auth import get_user_model

    from quotas.models import Purpose, Quota

    run = uuid.uuid4().hex[:6]
    users = []
    for number, limit in enumerate(limits, 1):
        user = get_user_model().objects.create_user(f"burst-{run}-{number}", f"burst-{number}@visa.example", PASSWORD)
        Quota.objects.create(user=user, purpose=Purpose.OPEN_DATA, max_instances=limit, max_vcpus=limit * 2,
                             max_ram_gb=limit * 4)  # room for `limit` m1.small
        users.append((user, limit))
    return users


def launch_body():
    from instances.models import Flavour, Image
    from openaccess.models import Dataset

    experiment = Dataset.objects.get(doi="10.22003/xfel.eu-data-700000-00").experiment
    return {"experiments": [experiment.pk], "image": Image.objects.filter(enabled=True).first().pk,
            "flavour": Flavour.objects.get(name="m1.small").pk}


def burst(url, sessions, total, body):
    """Send `total` launches at once, round robin over the signed-in sessions; return
    (username, status, code, seconds) for each."""
    start = threading.Barrier(total)
    results = []

    def one(session):
        cookies, token = session.http.cookies.get_dict(), session.http.cookies["csrftoken"]
        start.wait()
        began = time.perf_counter()
        answer = requests.post(url + "/api/instances/", json=body, cookies=cookies, timeout=300,
                               headers={"X-CSRFToken": token, "Referer": url + "/"})
        seconds = time.perf_counter() - began
        code = answer.json().get("code", "") if answer.headers.get("Content-Type", "").startswith("application/json") else ""
        results.append((session.username, answer.status_code, code, seconds))

    threads = [threading.Thread(target=one, args=(sessions[n % len(sessions)],)) for n in range(total)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def clean_up(sessions, users, timeout=300):
    """Delete every instance of the benchmark's users once its build has finished, as they would."""
    from instances.models import Instance

    by_name = {s.username: s for s in sessions}
    deadline = time.monotonic() + timeout
    while Instance.objects.filter(owner__in=[u for u, _ in users], state__in=["PENDING", "BUILDING", "STARTING"]).exists():
        if time.monotonic() > deadline:
            print("some instances are still being built; delete them in admin")
            return
        time.sleep(1)
    for instance in Instance.objects.filter(owner__in=[u for u, _ in users]).exclude(state__in=["DELETED", "DELETING"]):
        session = by_name[instance.owner.username]
        session.delete_instance(instance.uuid, wait=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--limits", default="1,2,3,4", help="one user per limit (open-data instances)")
    parser.add_argument("--keep", action="store_true", help="leave the launched instances running")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "visa.settings")
    django.setup()
    from instances.models import Instance

    users = make_users([int(limit) for limit in args.limits.split(",")])
    sessions = []
    for user, _ in users:
        session = WebUser(args.url, user.username, PASSWORD)
        session.username = user.username
        session.get("/")  # the CSRF cookie
        sessions.append(session)

    body = launch_body()
    results = burst(args.url, sessions, args.requests, body)
    # For comparison, the same request alone (every user is at their limit now: refused).
    alone = sorted(burst(args.url, sessions[:1], 1, body)[0][3] for _ in range(20))

    rows = []
    for user, limit in users:
        mine = [r for r in results if r[0] == user.username]
        recorded = Instance.objects.live().filter(owner=user).count()
        rows.append({
            "user": user.username, "limit": limit, "requests": len(mine),
            "accepted": sum(r[1] == 201 for r in mine), "recorded": recorded,
            "violations": max(0, max(recorded, sum(r[1] == 201 for r in mine)) - limit),
        })
    latencies = sorted(r[3] for r in results)
    summary = {
        "requests": len(results),
        "accepted": sum(r[1] == 201 for r in results),
        "refused": dict(collections.Counter(r[2] for r in results if r[1] in (403, 409))),
        "errors": sum(r[1] not in (201, 403, 409) for r in results),
        "violations": sum(row["violations"] for row in rows),
        "latency_p50_s": statistics.median(latencies),
        "latency_p95_s": latencies[max(0, round(0.95 * len(latencies)) - 1)],
        "latency_max_s": latencies[-1],
        "latency_alone_p50_s": statistics.median(alone),
        "database": django.db.connection.vendor,
    }
    print(f"{'user':<16} {'limit':>5} {'requests':>8} {'accepted':>8} {'recorded':>8} {'violations':>10}")
    for row in rows:
        print(f"{row['user']:<16} {row['limit']:>5} {row['requests']:>8} {row['accepted']:>8} {row['recorded']:>8} "
              f"{row['violations']:>10}")
    print(f"accepted {summary['accepted']}, refused {sum(summary['refused'].values())} {summary['refused']}, "
          f"errors {summary['errors']}, violations {summary['violations']}; launch request p50 "
          f"{summary['latency_p50_s'] * 1000:.0f} ms, p95 {summary['latency_p95_s'] * 1000:.0f} ms, "
          f"max {summary['latency_max_s'] * 1000:.0f} ms; alone p50 {summary['latency_alone_p50_s'] * 1000:.0f} ms "
          f"({summary['database']})")
    print(json.dumps({"users": rows, "summary": summary}))
    if not args.keep:
        clean_up(sessions, users)


if __name__ == "__main__":
    main()
