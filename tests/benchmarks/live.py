"""How fast a change of state reaches open pages: pushed over the live WebSocket (visa's pages)
against polling the status JSON once a second (how the pages worked before), in the same run.

Run against a running visa (`make run` in another terminal; sign-in demo/demo):
    .venv/bin/python -m tests.benchmarks.live [--url http://127.0.0.1:8000] [--pages 20] [--rounds 10]
Launches one desktop, opens N instance pages' live sockets and N pollers, then stops and starts
the desktop `rounds` times. For each change it records, per page, the time from sending Stop or
Start (whose view records STOPPING or STARTING before it answers) to the page first showing
that change. Prints a table; writes its JSON to var/bench/ (tests.benchmarks.results).
"""
import argparse
import re
import statistics
import threading
import time

from websockets.sync.client import connect

from tests.benchmarks.results import record
from tests.support.web import WebUser

STATE = re.compile(r'class="badge state-(\w+)"')


class Watcher(threading.Thread):
    """One open page: records when it first saw each state."""

    def __init__(self, user, uuid, push):
        super().__init__(daemon=True)
        self.user, self.uuid, self.push, self.seen, self.stop = user, uuid, push, {}, False

    def note(self, state):
        self.seen.setdefault(state, []).append(time.perf_counter())

    def run(self):
        last = None
        if self.push:
            url = self.user.base_url.replace("http", "ws", 1) + f"/ws/instances/{self.uuid}/live"
            with connect(url, additional_headers={"Cookie": self.user.cookie_header,
                                                  "Origin": self.user.base_url}) as socket:
                while not self.stop:
                    try:
                        state = STATE.search(socket.recv(timeout=1))[1]
                    except TimeoutError:
                        continue
                    if state != last:
                        self.note(state)
                        last = state
        else:
            while not self.stop:
                state = self.user.get(f"/instances/{self.uuid}/status").json()["state"]
                if state != last:
                    self.note(state)
                    last = state
                time.sleep(1)


def lags(watchers, states, since):
    """Seconds from `since` to each watcher's first sighting of one of `states`."""
    firsts = [min((t for s in states for t in w.seen.get(s, []) if t >= since), default=None) for w in watchers]
    return [first - since for first in firsts if first is not None]


def summary(values):
    values = sorted(values)
    return {"p50_ms": round(1000 * statistics.median(values), 1),
            "p95_ms": round(1000 * statistics.quantiles(values, n=20, method="inclusive")[-1], 1),
            "samples": len(values)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="demo")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()

    user = WebUser(args.url, args.user, args.password)
    uuid, _ = user.launch_from_doi(another=True)
    user.wait_for_state(uuid, "ACTIVE", timeout=120)
    pages = [Watcher(WebUser(args.url, args.user, args.password), uuid, push)
             for push in (True, False) for _ in range(args.pages)]
    for page in pages:
        page.start()
    time.sleep(2)
    results = {True: [], False: []}
    try:
        for _ in range(args.rounds):
            for action, states in (("stop", ("STOPPING", "STOPPED")), ("start", ("STARTING", "ACTIVE"))):
                token = user.csrf(user.get(f"/instances/{uuid}/").text)
                sent = time.perf_counter()
                user.http.post(f"{args.url}/instances/{uuid}/{action}", data={"csrfmiddlewaretoken": token})
                user.wait_for_state(uuid, states[-1])
                time.sleep(1.5)  # every poller has polled since
                for push in results:
                    results[push] += lags([p for p in pages if p.push == push], states, sent)
    finally:
        for page in pages:
            page.stop = True
        user.delete_instance(uuid, wait=False)
    report = {"pages_each": args.pages, "changes": 2 * args.rounds,
              "websocket_push": summary(results[True]), "status_poll_1s": summary(results[False])}
    print(f"{'page update':<20}{'p50 ms':>10}{'p95 ms':>10}{'samples':>10}")
    for name in ("websocket_push", "status_poll_1s"):
        row = report[name]
        print(f"{name:<20}{row['p50_ms']:>10}{row['p95_ms']:>10}{row['samples']:>10}")
    record("live", report)


if __name__ == "__main__":
    main()
