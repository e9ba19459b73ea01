"""visa's own orchestration overhead per launch: time from Launch to ACTIVE minus devcloud's boot time,
one launch at a time and --concurrency launches at once, on a healthy cloud and (one at a time) with
a share of cloud calls answered with HTTP 500.

    .venv/bin/python -m tests.benchmarks.launch [--concurrency 20] [--runs 40] [--error-rate 0.1]
        [--web-processes 2] [--poll 0.5] [--build-seconds 1] [--burst-only] [--url http://127.0.0.1:8000 --devcloud http://127.0.0.1:8774]
starts visa as production runs it (tests/benchmarks/local_visa.py: PostgreSQL database
visa_bench_launch made anew, REDIS_URL required, devcloud with a 1 s build (--build-seconds), a Celery worker with
--concurrency 4); with --url it uses a visa already running there (`make run`) and its devcloud,
with the same database settings as that service, because it makes its users there.
Each user has a quota of one instance; --concurrency users press Launch on the demo DOI page at the
same moment, --runs launches per series in all (rounds of --concurrency). The time to ACTIVE is the
instance's own `activated_at` (stamped as ACTIVE commits, on this machine's clock) less the moment
its user pressed Launch, so the users need not poll often: each looks at its status every --poll
seconds (0.5 s; 20 users polling every 20 ms were 1,000 requests a second, the measurement's own
load on 2 cores). Once the round is ACTIVE, every instance is deleted and awaited (not timed).
ACTIVE means the VM's VNC server answered; devcloud's builtin desktop starts in milliseconds. Prints a table; writes its JSON to var/bench/ (tests.benchmarks.results).
"""
import argparse
import json
import math
import os
import statistics
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import django
import psutil

from tests.benchmarks.local_visa import PASSWORD, make_users, start_visa
from tests.benchmarks.results import record
from tests.support.web import WebUser

PARTS = {"web": "uvicorn", "worker": "celery", "devcloud": "deploy.devcloud"}


def devcloud(url, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def wait_for(user, uuid, wanted, poll, timeout=300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = user.get(f"/instances/{uuid}/status").json()["state"]
        if state in wanted:
            return state
        time.sleep(poll)
    raise TimeoutError(f"{uuid} not {wanted} after {timeout} s")


def activated(uuid):
    """The moment (epoch seconds) visa committed the instance as ACTIVE."""
    from django.db import connection

    from instances.models import Instance

    try:
        return Instance.objects.get(uuid=uuid).activated_at.timestamp()
    finally:
        connection.close()


def one_round(users, poll):
    """Every user presses Launch at the same moment: seconds from pressing to ACTIVE for each
    (None if it ended in ERROR); then each deletes its instance and waits until it is gone."""
    start, launched = threading.Barrier(len(users)), threading.Barrier(len(users))
    times = [None] * len(users)

    def one(n, user):
        start.wait()
        began = time.time()
        uuid, _ = user.launch_from_doi()
        if wait_for(user, uuid, {"ACTIVE", "ERROR"}, poll) == "ACTIVE":
            times[n] = activated(uuid) - began
        launched.wait()  # deletes do not load the launches still under way
        user.delete_instance(uuid, wait=False)
        wait_for(user, uuid, {"DELETED", "ERROR"}, poll)

    threads = [threading.Thread(target=one, args=(n, user)) for n, user in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times


def cpu_seconds():
    """CPU seconds so far of each part of the visa this benchmark started (its child processes):
    the web processes, the Celery worker with its pool, and devcloud (none with --url)."""
    parts = dict.fromkeys(PARTS, 0.0)
    for process in psutil.Process().children(recursive=True):
        try:
            line, times = " ".join(process.cmdline()), process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        for part, word in PARTS.items():
            if word in line:
                parts[part] += times.user + times.system
    return parts


def series(users, runs, boot, poll):
    before = cpu_seconds()
    times = [t for _ in range(math.ceil(runs / len(users))) for t in one_round(users, poll)]
    cpu = {part: (seconds - before[part]) / len(times) for part, seconds in cpu_seconds().items()}
    overheads = sorted(t - boot for t in times if t is not None)
    return {
        "cpu_s_per_launch": cpu,
        "concurrency": len(users),
        "launches": len(times),
        "active": len(overheads),
        "error": len(times) - len(overheads),
        "overhead_p50_s": statistics.median(overheads),
        "overhead_p95_s": statistics.quantiles(overheads, n=20, method="inclusive")[-1],
        "overhead_max_s": overheads[-1],
    }


def measure(urls, devcloud_url, args):
    users = [WebUser(urls[n % len(urls)], user.username, PASSWORD)
             for n, (user, _) in enumerate(make_users([1] * args.concurrency, prefix="launch"))]
    boot = devcloud(devcloud_url, "/devcloud/config")["build_seconds"]
    results = {}
    try:
        plan = ((1, 0.0), (args.concurrency, 0.0), (1, args.error_rate))
        for concurrency, rate in plan[1:2] if args.burst_only else plan:
            devcloud(devcloud_url, "/devcloud/faults", {"error_rate": rate})
            results[f"{concurrency} at once, {rate:.0%} cloud errors"] = series(users[:concurrency], args.runs, boot, args.poll)
    finally:
        devcloud(devcloud_url, "/devcloud/faults", {"error_rate": 0})
    print(f"devcloud boot time {boot} s; overhead = time to ACTIVE - boot time; status polled every {args.poll} s")
    print(f"{'series':<30} {'launches':>8} {'ACTIVE':>7} {'ERROR':>6} {'p50 (s)':>8} {'p95 (s)':>8} {'max (s)':>8}"
          f"  CPU s per launch and delete ({', '.join(PARTS)})")
    for name, r in results.items():
        cpu = " ".join(f"{seconds:.3f}" for seconds in r["cpu_s_per_launch"].values())
        print(f"{name:<30} {r['launches']:>8} {r['active']:>7} {r['error']:>6} {r['overhead_p50_s']:>8.3f} "
              f"{r['overhead_p95_s']:>8.3f} {r['overhead_max_s']:>8.3f}  {cpu}")
    record("launch", {"boot_seconds": boot, "web_processes": len(urls), "poll_seconds": args.poll,
                      "load_average": os.getloadavg()[0], "series": results})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a visa running there (default: start one on PostgreSQL)")
    parser.add_argument("--devcloud", default="http://127.0.0.1:8774", help="the devcloud of --url's visa")
    parser.add_argument("--web-processes", type=int, default=2, help="ASGI processes of the visa it starts")
    parser.add_argument("--concurrency", type=int, default=20, help="launches at once, by as many users")
    parser.add_argument("--runs", type=int, default=40, help="launches per series")
    parser.add_argument("--error-rate", type=float, default=0.1)
    parser.add_argument("--poll", type=float, default=0.5, help="seconds between a user's looks at its status")
    parser.add_argument("--build-seconds", type=float, default=1.0, help="how long the devcloud it starts boots a server")
    parser.add_argument("--burst-only", action="store_true", help="only the series of --concurrency at once")
    parser.add_argument("--logs", help="keep the logs of the visa it starts in this folder")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "visa.settings")
    with tempfile.TemporaryDirectory() as directory:
        if args.url:
            django.setup()
            urls, devcloud_url, stop = [args.url], args.devcloud, lambda: None
        else:
            urls, _, cloud, stop = start_visa("launch", Path(args.logs or directory), args.web_processes,
                                                 args.build_seconds)
            devcloud_url = cloud.url
        try:
            measure(urls, devcloud_url, args)
        finally:
            stop()


if __name__ == "__main__":
    main()
