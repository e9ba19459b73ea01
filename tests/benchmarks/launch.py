"""visa's own orchestration overhead per launch: time from Launch to ACTIVE minus devcloud's boot time,
over N launches, on a healthy cloud and with a share of cloud calls answered with HTTP 500.

Run against a running visa and its devcloud (`make run` in another terminal):
    .venv/bin/python -m tests.benchmarks.launch [--url http://127.0.0.1:8000]
        [--devcloud http://127.0.0.1:8774] [--runs 50] [--error-rate 0.1]
Launches one at a time from the demo DOI page and polls the instance's status every 20 ms (so
figures are accurate to ~20 ms), then deletes the instance and waits until it is gone (not timed).
ACTIVE means the VM's VNC server answered, so with Xvnc desktops its start-up counts as overhead;
devcloud's builtin desktop (`--vnc builtin`) starts in milliseconds. Prints a table; writes its JSON
to var/bench/ (tests.benchmarks.results).
"""
import argparse
import json
import statistics
import time
import urllib.request

from tests.benchmarks.results import record
from tests.support.web import WebUser


def devcloud(url, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def wait_for(user, uuid, wanted, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = user.get(f"/instances/{uuid}/status").json()["state"]
        if state in wanted:
            return state
        time.sleep(0.02)
    raise TimeoutError(f"{uuid} not {wanted} after {timeout} s")


def one_launch(user):
    """Seconds from pressing Launch to ACTIVE (None if it ended in ERROR)."""
    started = time.perf_counter()
    uuid, _ = user.launch_from_doi()
    state = wait_for(user, uuid, {"ACTIVE", "ERROR"})
    elapsed = time.perf_counter() - started
    user.delete_instance(uuid, wait=False)
    wait_for(user, uuid, {"DELETED", "ERROR"})
    return elapsed if state == "ACTIVE" else None


def series(user, runs, boot):
    times = [one_launch(user) for _ in range(runs)]
    overheads = sorted(t - boot for t in times if t is not None)
    return {
        "launches": runs,
        "active": len(overheads),
        "error": runs - len(overheads),
        "overhead_p50_s": statistics.median(overheads),
        "overhead_p95_s": statistics.quantiles(overheads, n=20, method="inclusive")[-1],
        "overhead_max_s": overheads[-1],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--devcloud", default="http://127.0.0.1:8774")
    parser.add_argument("--user", default="demo")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--error-rate", type=float, default=0.1)
    args = parser.parse_args()
    user = WebUser(args.url, args.user, args.password)
    boot = devcloud(args.devcloud, "/devcloud/config")["build_seconds"]
    results = {}
    try:
        for rate in (0.0, args.error_rate):
            devcloud(args.devcloud, "/devcloud/faults", {"error_rate": rate})
            results[f"{rate:.0%} cloud errors"] = series(user, args.runs, boot)
    finally:
        devcloud(args.devcloud, "/devcloud/faults", {"error_rate": 0})
    print(f"devcloud boot time {boot} s; overhead = time to ACTIVE - boot time")
    print(f"{'cloud':<18} {'launches':>8} {'ACTIVE':>7} {'ERROR':>6} {'p50 (s)':>8} {'p95 (s)':>8} {'max (s)':>8}")
    for name, r in results.items():
        print(f"{name:<18} {r['launches']:>8} {r['active']:>7} {r['error']:>6} {r['overhead_p50_s']:>8.3f} "
              f"{r['overhead_p95_s']:>8.3f} {r['overhead_max_s']:>8.3f}")
    record("launch", {"boot_seconds": boot, "series": results})


if __name__ == "__main__":
    main()
