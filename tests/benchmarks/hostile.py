"""Hostile clients against one ASGI process: event-loop lag while a viewer floods input, revokes
racing connections, leaks after malformed handshakes.

    .venv/bin/python -m tests.benchmarks.hostile [--owners 4] [--seconds 10] [--races 30] [--malformed 200]

One devcloud server's VNC desktop behind visa's proxy (uvicorn as `make run` starts it, embedded
defaults), N+1 desktops on it, each with its owner connected.
- Lag: a live page's ping/pong round trip (`LiveConsumer`, no database), every 5 ms, measured
  while idle, while N owners type and ask for updates, and while a viewer of one desktop also
  floods key events in noVNC-sized frames (reconnecting whenever the proxy closes it). Goal: p99
  below 10 ms.
- Races: a user joins by a new interactive link and connects while the owner revokes the link;
  survivors still send input a second later. Goal: 0.
- Leaks: malformed handshakes (two wrong versions in one write); afterwards the sessions the
  owner's page lists, the process's connections to the VM and its open files. Goal: 0 more.
Prints a table; writes its JSON to var/bench/ (tests.benchmarks.results).
"""
import argparse
import multiprocessing
import random
import statistics
import tempfile
import threading
import time

import psutil
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.benchmarks.proxy_peers import Paths
from tests.benchmarks.results import record
from tests.support.hostile import malformed_handshake, race_revoke_with_connect, vm_connections
from tests.support.web import WebUser

SETUP = """
image, flavour = Image.objects.get(name="bench"), Flavour.objects.get(name="bench")
for n in range(OWNERS):
    Instance.objects.create(uuid=UUIDS + "%012d" % n, name="o%d" % n, state="ACTIVE", address="{address}",
        owner=get_user_model().objects.create_user("owner%d" % n, "", "bench"),
        vnc_secret="{password}", image=image, flavour=flavour)
for name in ("viewer", "racer"):
    get_user_model().objects.create_user(name, "", "bench")
"""
UUIDS = "00000000-0000-4000-9000-"


def percentile(values, share):
    return sorted(values)[min(len(values) - 1, int(len(values) * share))] * 1000 if values else float("nan")


def pings(url, cookie, seconds):
    """Round trips of a live page's ping, one every 5 ms."""
    times = []
    with connect(url.replace("http", "ws", 1) + "/ws/live", origin=url,
                 additional_headers={"Cookie": cookie}) as socket:
        socket.recv(timeout=10)  # the first push
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            started = time.perf_counter()
            socket.send("ping")
            while socket.recv(timeout=10) != "pong":
                pass
            times.append(time.perf_counter() - started)
            time.sleep(0.005)
    return times


def work(owner, uuid, stop):
    """An owner at their desktop: a key and an incremental update request, ten times a second."""
    with owner.open_desktop(uuid) as desktop:
        desktop.framebuffer()
        while not stop.is_set():
            desktop.key(0x61)
            desktop.request_update(incremental=True)
            time.sleep(0.1)


def flood(url, cookie, uuid, seconds, sent):
    """A viewer sending key events as fast as it can, in noVNC's 10 KiB frames; in its own process."""
    frame = bytes([4, 1, 0, 0, 0, 0, 0, 0x61]) * (10 * 1024 // 8)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with connect(url.replace("http", "ws", 1) + f"/ws/instances/{uuid}/desktop", origin=url,
                         additional_headers={"Cookie": cookie}, max_size=None) as socket:
                socket.recv(timeout=5)
                socket.send(b"RFB 003.008\n")
                socket.recv(timeout=5)
                socket.send(b"\x01\x01")
                while time.monotonic() < deadline:
                    socket.send(frame)
                    sent.value += len(frame)
        except (ConnectionClosed, OSError, TimeoutError):
            continue


def lag(paths, owners, viewer, seconds):
    probe = owners[0][0]
    pings(paths.url, probe.cookie_header, 1)  # warm-up: the first requests load code and fill caches
    result = {"idle": pings(paths.url, probe.cookie_header, seconds)}
    stop = threading.Event()
    workers = [threading.Thread(target=work, args=(owner, uuid, stop), daemon=True) for owner, uuid in owners[1:]]
    for worker in workers:
        worker.start()
    time.sleep(1)
    result["owners working"] = pings(paths.url, probe.cookie_header, seconds)
    sent = multiprocessing.Value("q", 0)
    flooder = multiprocessing.Process(target=flood, args=(paths.url, viewer.cookie_header, owners[1][1], seconds + 1,
                                                          sent))
    flooder.start()
    time.sleep(0.5)
    result["owners working, viewer flooding"] = pings(paths.url, probe.cookie_header, seconds)
    flooder.join()
    stop.set()
    for worker in workers:
        worker.join(5)
    return result, sent.value


def races(paths, owner, uuid, racer, tries):
    random.seed(19)
    with owner.open_desktop(uuid):
        return sum(race_revoke_with_connect(owner, racer, uuid, lambda: paths.cloud.server(paths.server_id)[
            "inputs"]["key"], random.uniform(0, 0.06)) for _ in range(tries))


def leaks(paths, owner, uuid, count):
    process = psutil.Process(paths.visa.pid)
    before = (len(vm_connections(process.pid, paths.vm[0])), process.num_fds())
    url = paths.url.replace("http", "ws", 1) + f"/ws/instances/{uuid}/desktop"
    for _ in range(count):
        malformed_handshake(url, owner.cookie_header)
    time.sleep(2)
    connected = owner.get(f"/instances/{uuid}/sharing").json()["connected"]
    return {"sessions_left": len(connected),
            "vm_connections_left": len(vm_connections(process.pid, paths.vm[0])) - before[0],
            "fds_left": process.num_fds() - before[1]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--owners", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10, help="per lag phase")
    parser.add_argument("--races", type=int, default=30)
    parser.add_argument("--malformed", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        paths = Paths(directory, ["--ws-per-message-deflate", "false", "--ws-max-size", "65536"],
                      setup=SETUP.replace("OWNERS", str(args.owners + 1)).replace("UUIDS", repr(UUIDS)))
        try:
            url = paths.url
            owners = [(WebUser(url, f"owner{n}", "bench"), f"{UUIDS}{n:012d}") for n in range(args.owners + 1)]
            viewer = WebUser(url, "viewer", "bench")
            holding = [owner.open_desktop(uuid) for owner, uuid in owners[:2]]  # owners present: others admitted
            viewer.join(owners[1][0].share(owners[1][1]))
            lags, flooded = lag(paths, owners, viewer, args.seconds)
            for connection in holding:
                connection.close()
            survivors = races(paths, *owners[0], WebUser(url, "racer", "bench"), args.races)
            left = leaks(paths, *owners[-1], args.malformed)
        finally:
            paths.stop()
    print(f"{'phase':<34} {'ping p50 ms':>12} {'p99 ms':>8} {'max ms':>8} {'pings':>7}")
    for phase, times in lags.items():
        print(f"{phase:<34} {statistics.median(times) * 1000:>12.2f} {percentile(times, 0.99):>8.2f} "
              f"{max(times) * 1000:>8.2f} {len(times):>7}")
    print(f"the viewer offered {flooded / 2 ** 20:.0f} MiB, reconnecting after each close; goal p99 < 10 ms")
    print(f"revoke racing a connect: {survivors} survivors in {args.races} tries (goal 0)")
    print(f"after {args.malformed} malformed handshakes: {left['sessions_left']} sessions listed, "
          f"{left['vm_connections_left']} VM connections and {left['fds_left']} open files more (goal 0)")
    record("hostile", {"lag_ms": {phase: {"p50": statistics.median(t) * 1000, "p99": percentile(t, 0.99),
                                         "max": max(t) * 1000, "pings": len(t)} for phase, t in lags.items()},
                       "flooded_bytes": flooded, "races": args.races, "survivors": survivors,
                       "malformed": args.malformed, **left})


if __name__ == "__main__":
    main()
