"""Time from pressing Launch on a DOI page to the first desktop frame through the proxy.

Run against a running visa (`make run` in another terminal):
    .venv/bin/python -m tests.benchmarks.launch_to_desktop [--url http://127.0.0.1:8000] [--runs 5]
Each run launches from the demo DOI, waits for ACTIVE, reads one full frame over the WebSocket
proxy, then deletes the instance and waits until it is gone. Prints a table; writes its JSON to var/bench/ (tests.benchmarks.results).
"""
import argparse
import statistics
import time

from tests.benchmarks.results import record
from tests.support.rfbclient import non_blank
from tests.support.web import DEMO_DOI_PAGE, WebUser


def one_run(user):
    started = time.perf_counter()
    uuid, _ = user.launch_from_doi()
    user.wait_for_state(uuid, "ACTIVE", timeout=120)
    active = time.perf_counter()
    with user.open_desktop(uuid) as desktop:
        assert non_blank(desktop.framebuffer())
    frame = time.perf_counter()
    user.delete_instance(uuid)
    return {"launch_to_active_s": active - started, "launch_to_first_frame_s": frame - started}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="demo")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    user = WebUser(args.url, args.user, args.password)
    runs = [one_run(user) for _ in range(args.runs)]
    print(f"{'run':>4} {'to ACTIVE (s)':>14} {'to first frame (s)':>19}")
    for number, run in enumerate(runs, 1):
        print(f"{number:>4} {run['launch_to_active_s']:>14.2f} {run['launch_to_first_frame_s']:>19.2f}")
    summary = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    print(f"{'median':>4} {summary['launch_to_active_s']:>14.2f} {summary['launch_to_first_frame_s']:>19.2f}")
    record("launch_to_desktop", {"doi_page": DEMO_DOI_PAGE, "runs": runs, "median": summary})


if __name__ == "__main__":
    main()
