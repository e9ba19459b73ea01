"""Desktop proxy throughput and added latency, against the peers.

    .venv/bin/python -m tests.benchmarks.proxy [--rounds 3] [--seconds 3] [--samples 500]

One VNC source for every path: a devcloud server's builtin VNC desktop (a changing 1024x768
framebuffer). Paths: straight TCP (the baseline for latency), a raw asyncio TCP relay (the
limit), websockify from PyPI, and visa's desktop proxy (uvicorn with the options `make run` and
deploy/ give it, tests.support.stack.UVICORN_OPTIONS, on the embedded defaults: SQLite, in-memory
channel layer). The client offers permessage-deflate, as
browsers do. Throughput: full-screen raw updates back to back. Latency: a one-pixel update
request and its answer, round trip, p50 minus the straight TCP p50. Paths take turns for a few
rounds and the best round of each counts, because the machine may be busy with other work.
Prints a table; the figures go to var/bench/proxy.json. Many streams: tests/benchmarks/streams.py.
"""
import argparse
import asyncio
import tempfile

from tests.benchmarks.proxy_clients import latency, throughput
from tests.benchmarks.proxy_peers import Paths, raw_relay
from tests.benchmarks.results import record
from tests.support.stack import UVICORN_OPTIONS


async def measure(paths, args):
    """Every path in turn, `rounds` times; the best round of each counts, since other work on the
    machine only ever slows a round down."""
    rounds = {name: [] for name in paths.all()}
    for _ in range(args.rounds):
        for name, path in paths.all().items():
            rounds[name].append((*await throughput(path, args.seconds), await latency(path, args.samples)))
    results = {name: {"throughput_mb_s": max(r[0] for r in runs),
                      "cpu_ms_per_100mb": runs[0][1] and min(r[1] for r in runs),
                      "rtt_p50_ms": min(r[2] for r in runs), "rounds": runs} for name, runs in rounds.items()}
    base = results["direct TCP"]["rtt_p50_ms"]
    for result in results.values():
        result["added_p50_ms"] = result["rtt_p50_ms"] - base
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3, help="per throughput run and for the streams")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--uvicorn-args", default=" ".join(UVICORN_OPTIONS),
                        help="uvicorn options for visa's process (default: as `make run` and deploy/ start it)")
    parser.add_argument("--relay", nargs=3, help=argparse.SUPPRESS)  # port host target-port: run the raw relay
    args = parser.parse_args()
    if args.relay:
        return raw_relay(int(args.relay[0]), args.relay[1], int(args.relay[2]))
    with tempfile.TemporaryDirectory() as directory:
        paths = Paths(directory, args.uvicorn_args.split())
        try:
            results = asyncio.run(measure(paths, args))
        finally:
            paths.stop()
    raw, peer, visa = (results[k]["throughput_mb_s"] for k in ("raw asyncio relay", "websockify", "visa proxy"))
    print(f"{'path':<20} {'throughput MB/s':>16} {'relay CPU ms/100 MB':>20} {'RTT p50 ms':>11} {'added p50 ms':>13}")
    for name, r in results.items():
        cpu = f"{r['cpu_ms_per_100mb']:.0f}" if r["cpu_ms_per_100mb"] else "-"
        print(f"{name:<20} {r['throughput_mb_s']:>16.1f} {cpu:>20} {r['rtt_p50_ms']:>11.3f} {r['added_p50_ms']:>13.3f}")
    websockify_cpu, visa_cpu = (results[k]["cpu_ms_per_100mb"] for k in ("websockify", "visa proxy"))
    print(f"visa / raw relay: {visa / raw:.2f} (goal >= 0.9); visa / websockify: {visa / peer:.2f} (goal > 1); "
          f"relay CPU visa / websockify: {visa_cpu / websockify_cpu:.2f} (goal <= 1); "
          f"visa added p50: {results['visa proxy']['added_p50_ms']:.3f} ms (goal <= 0.1 ms)")
    record("proxy", {"paths": results, "visa_to_raw_relay": visa / raw, "visa_to_websockify": visa / peer,
                     "cpu_visa_to_websockify": visa_cpu / websockify_cpu, "uvicorn_args": args.uvicorn_args})


if __name__ == "__main__":
    main()
