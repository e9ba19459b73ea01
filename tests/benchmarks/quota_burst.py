"""A burst of concurrent launch requests over HTTP against quotas: none may pass a limit.

    .venv/bin/python -m tests.benchmarks.quota_burst [--requests 200] [--web-processes 2]
starts visa as production runs it, on this machine: PostgreSQL (the database visa_bench_quota_burst,
made anew), Redis (REDIS_URL, required), devcloud, --web-processes ASGI processes (uvicorn; the
requests are spread over them as nginx's upstream does) and a Celery worker with beat.
With --url it runs against a visa already running there instead (`make run`), with the same
database settings as that service, because it makes its users and their quotas, and counts what was
recorded, in that database.
It makes one user per limit in --limits (open-data quotas of 1, 2, 3 and 4 instances by default),
signs each in, and sends --requests `POST /api/instances/` at once, spread evenly over the users,
each on its own connection. Prints accepted, refused (by reason), violations (instances recorded
beyond a user's limit; must be 0) and the latency of the launch request in the burst and alone
(twenty requests one after another once the burst is over) and the web processes' CPU per request in
each, as a table, and writes its JSON to
var/bench/ (tests.benchmarks.results). With --url it deletes what it launched afterwards (once
built), unless --keep.
"""
import argparse
import collections
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import django
import psutil
import requests

from tests.benchmarks.local_visa import PASSWORD, make_users, start_visa
from tests.benchmarks.results import record
from tests.support.web import WebUser


def launch_body():
    from instances.models import Flavour, Image
    from openaccess.models import Dataset

    experiment = Dataset.objects.get(doi="10.22003/xfel.eu-data-700000-00").experiment
    return {"experiments": [experiment.pk], "image": Image.objects.filter(enabled=True).first().pk,
            "flavour": Flavour.objects.get(name="m1.small").pk}


def burst(urls, sessions, total, body):
    """Send `total` launches at once, round robin over the signed-in sessions and the web
    processes' URLs; return (username, status, code, seconds) for each."""
    start = threading.Barrier(total)
    results = []

    def one(session, url):
        cookies, token = session.http.cookies.get_dict(), session.http.cookies["csrftoken"]
        start.wait()
        began = time.perf_counter()
        answer = requests.post(url + "/api/instances/", json=body, cookies=cookies, timeout=300,
                               headers={"X-CSRFToken": token, "Referer": url + "/"})
        seconds = time.perf_counter() - began
        code = answer.json().get("code", "") if answer.headers.get("Content-Type", "").startswith("application/json") else ""
        results.append((session.username, answer.status_code, code, seconds))

    threads = [threading.Thread(target=one, args=(sessions[n % len(sessions)], urls[n % len(urls)]))
               for n in range(total)]
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
    parser.add_argument("--url", help="a visa running there (default: start one on PostgreSQL)")
    parser.add_argument("--web-processes", type=int, default=2, help="ASGI processes of the visa it starts")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--limits", default="1,2,3,4", help="one user per limit (open-data instances)")
    parser.add_argument("--keep", action="store_true", help="leave the launched instances running")
    parser.add_argument("--logs", help="keep the logs of the visa it starts in this folder")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "visa.settings")
    with tempfile.TemporaryDirectory() as directory:
        directory = args.logs or directory
        if args.url:
            django.setup()
            urls, web, stop = [args.url], [], lambda: None
        else:
            urls, web, _, stop = start_visa("quota_burst", Path(directory), args.web_processes)
        try:
            measure(urls, web, args)
        finally:
            stop()


def cpu_seconds(processes):
    """CPU time the web processes have used so far: unlike latency, it hardly depends on what else
    the machine runs."""
    return sum(sum(psutil.Process(process.pid).cpu_times()[:2]) for process in processes)


def measure(urls, web, args):
    from instances.models import Instance

    users = make_users([int(limit) for limit in args.limits.split(",")], prefix="burst")
    sessions = []
    for user, _ in users:
        session = WebUser(urls[0], user.username, PASSWORD)
        session.username = user.username
        session.get("/")  # the CSRF cookie
        sessions.append(session)

    body = launch_body()
    cpu = cpu_seconds(web)
    results = burst(urls, sessions, args.requests, body)
    cpu = cpu_seconds(web) - cpu
    # For comparison, the same request alone (every user is at their limit now: refused).
    cpu_alone = cpu_seconds(web)
    alone = sorted(burst(urls, sessions[:1], 1, body)[0][3] for _ in range(20))
    cpu_alone = cpu_seconds(web) - cpu_alone

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
        "errors": dict(collections.Counter(r[1] for r in results if r[1] not in (201, 403, 409))),
        "violations": sum(row["violations"] for row in rows),
        "latency_p50_s": statistics.median(latencies),
        "latency_p95_s": latencies[max(0, round(0.95 * len(latencies)) - 1)],
        "latency_max_s": latencies[-1],
        "latency_alone_p50_s": statistics.median(alone),
        "database": django.db.connection.vendor,
        "web_processes": len(urls),
        "web_cpu_ms_per_request": round(cpu * 1000 / len(results), 1) if web else None,
        "web_cpu_ms_per_request_alone": round(cpu_alone * 1000 / len(alone), 1) if web else None,
        "load_average": os.getloadavg()[0],
    }
    print(f"{'user':<16} {'limit':>5} {'requests':>8} {'accepted':>8} {'recorded':>8} {'violations':>10}")
    for row in rows:
        print(f"{row['user']:<16} {row['limit']:>5} {row['requests']:>8} {row['accepted']:>8} {row['recorded']:>8} "
              f"{row['violations']:>10}")
    print(f"accepted {summary['accepted']}, refused {sum(summary['refused'].values())} {summary['refused']}, "
          f"errors {sum(summary['errors'].values())} {summary['errors']}, violations {summary['violations']}; launch request p50 "
          f"{summary['latency_p50_s'] * 1000:.0f} ms, p95 {summary['latency_p95_s'] * 1000:.0f} ms, "
          f"max {summary['latency_max_s'] * 1000:.0f} ms; alone p50 {summary['latency_alone_p50_s'] * 1000:.0f} ms "
          f"({summary['database']}, {len(urls)} web processes); web CPU per request "
          f"{summary['web_cpu_ms_per_request']} ms ({summary['web_cpu_ms_per_request_alone']} ms alone), load average {summary['load_average']:.1f}")
    record("quota_burst", {"users": rows, "summary": summary})
    if not args.keep and args.url:
        clean_up(sessions, users)


if __name__ == "__main__":
    main()
