"""Many concurrent desktop streams: visa's proxy on two ASGI processes against websockify.

    .venv/bin/python -m tests.benchmarks.streams [--streams 2000] [--seconds 10] [--no-websockify]
        [--postgresql]

One VNC source for both (a devcloud server's builtin desktop, as in tests/benchmarks/proxy.py).
Each client asks for a 64 kB update once a second. visa: two uvicorn processes with the options
`make run` and deploy/ give them, on the embedded defaults (one SQLite database, an in-memory
channel layer each) or, with --postgresql, as in production (a database of its own on
DATABASE_URL's server, visa_bench_streams, and Redis at REDIS_URL), the streams taking them in turn; then websockify (one process per
connection) serving as many. CPU and memory (USS, children included) of the relay processes per
stream; the figures go to var/bench/streams.json.
"""
import argparse
import asyncio
import os
import resource
import secrets
import tempfile

import psutil

from tests.benchmarks.databases import fresh_database
from tests.benchmarks.proxy_clients import streams
from tests.benchmarks.proxy_peers import Paths
from tests.benchmarks.results import record
from tests.support.stack import UVICORN_OPTIONS


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--no-websockify", dest="websockify", action="store_false", help="visa's streams alone")
    parser.add_argument("--postgresql", action="store_true", help="PostgreSQL and Redis (REDIS_URL), not SQLite")
    parser.add_argument("--uvicorn-args", default=" ".join(UVICORN_OPTIONS),
                        help="uvicorn options for visa's processes (default: as `make run` and deploy/ start them)")
    args = parser.parse_args()
    # Each stream holds a socket here, two in a relay and one in the VNC source: the processes
    # started below inherit the raised limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    assert hard > 2 * args.streams + 1000, f"RLIMIT_NOFILE {hard} is too low for {args.streams} streams"
    with tempfile.TemporaryDirectory() as directory:
        services = None
        if args.postgresql:
            if not os.environ.get("REDIS_URL"):
                raise SystemExit("--postgresql needs REDIS_URL, e.g. redis://127.0.0.1:6379/9")
            services = {"DATABASE_URL": fresh_database("streams"), "REDIS_URL": os.environ["REDIS_URL"],
                        "DJANGO_SECRET_KEY": "benchmark-only-" + secrets.token_hex(16)}
        paths = Paths(directory, args.uvicorn_args.split(), visas=2, services=services)
        try:
            visa = [{**path, "process": psutil.Process(process.pid)} for path, process in paths.visas]
            results = {"visa proxy, 2 processes": asyncio.run(streams(visa, args.streams, args.seconds))}
            print(results)
            if args.websockify:
                results["websockify"] = asyncio.run(streams([paths.all()["websockify"]], args.streams, args.seconds))
        finally:
            paths.stop()
    print(f"{'path':<24} {'streams':>7} {'failed':>6} {'CPU %':>6} {'CPU % per stream':>17} {'memory MB':>10} "
          f"{'kB per stream':>14} {'MB/s':>6} {'asked MB/s':>11} {'CPU ms per MB':>14}")
    for name, s in results.items():
        print(f"{name:<24} {s['streams']:>7} {s['failed']:>6} {s['cpu_percent']:>6.1f} {s['cpu_percent_per_stream']:>17.4f} "
              f"{s['memory_mb']:>10.0f} {s['memory_kb_per_stream']:>14.0f} {s['mb_per_s_total']:>6.1f} {s['goal_mb_per_s']:>11.1f} {s['cpu_ms_per_mb'] or 0:>14.1f}")
    record("streams", {"paths": results, "uvicorn_args": args.uvicorn_args,
                       "database": "postgresql" if args.postgresql else "sqlite"})


if __name__ == "__main__":
    main()
