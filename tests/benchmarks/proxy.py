"""Desktop proxy throughput, added latency and many concurrent streams, against the peers.

    .venv/bin/python -m tests.benchmarks.proxy [--rounds 3] [--seconds 3] [--samples 500] [--streams 500]

One VNC source for every path: a devcloud server's builtin VNC desktop (a changing 1024x768
framebuffer). Paths: straight TCP (the baseline for latency), a raw asyncio TCP relay (the
limit), websockify from PyPI, and visa's desktop proxy (uvicorn with the options `make run` gives
it, on the embedded defaults: SQLite, in-memory channel layer). The client offers permessage-deflate, as
browsers do. Throughput: full-screen raw updates back to back. Latency: a one-pixel update
request and its answer, round trip, p50 minus the straight TCP p50. Paths take turns for a few
rounds and the best round of each counts, because the machine may be busy with other work.
Streams: that many clients on one visa process, each asking for a 64 kB update once a second;
CPU and memory of the ASGI process per stream. Prints a table and JSON.
"""
import argparse
import asyncio
import base64
import json
import os
import re
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import psutil

from deploy.devcloud import catalogue
from deploy.devcloud.testing import listening, start_devcloud, vnc_user_data
from protocols.rfb import SECURITY_NONE, SECURITY_VNC_AUTH, VERSION_3_8, vnc_auth_response
from tests.support.stack import ROOT, free_port, wait_for_port
from tests.support.web import WebUser

PASSWORD = "benchpw1"
READ_SIZE = 1 << 20


# The client ------------------------------------------------------------------------------------

class Tcp:
    async def open(self, host, port):
        self.reader, self.writer = await asyncio.open_connection(host, port, limit=READ_SIZE)
        return self

    async def readexactly(self, size):
        return await self.reader.readexactly(size)

    async def discard(self, size):
        while size:
            size -= len(await self.reader.read(min(size, READ_SIZE)))

    def write(self, data):
        self.writer.write(data)

    async def close(self):
        self.writer.close()


class WebSocket(Tcp):
    """A minimal WebSocket client, so that the client's own cost stays small beside the relay's:
    it offers permessage-deflate as browsers do and inflates when the server takes it up."""

    async def open(self, url, cookie=""):
        host, port, path = re.match(r"ws://([^:/]+):(\d+)(/.*)", url).groups()
        await super().open(host, int(port))
        headers = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Upgrade: websocket", "Connection: Upgrade",
                   f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}", "Sec-WebSocket-Version: 13",
                   "Sec-WebSocket-Protocol: binary", f"Origin: http://{host}:{port}",
                   "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"]
        if cookie:
            headers.append(f"Cookie: {cookie}")
        self.writer.write(("\r\n".join(headers) + "\r\n\r\n").encode())
        answer = (await self.reader.readuntil(b"\r\n\r\n")).decode()
        assert answer.startswith("HTTP/1.1 101"), answer
        self.inflate = zlib.decompressobj(-15) if "permessage-deflate" in answer.lower() else None
        self.buffer = bytearray()
        return self

    async def readexactly(self, size):
        while len(self.buffer) < size:
            self.buffer += await self._message()
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    async def discard(self, size):
        while len(self.buffer) < size:
            size -= len(self.buffer)
            self.buffer = bytearray(await self._message())
        del self.buffer[:size]

    async def _message(self):
        first, second = await self.reader.readexactly(2)
        length = second & 0x7F
        if length >= 126:
            length = int.from_bytes(await self.reader.readexactly(2 if length == 126 else 8), "big")
        payload = await self.reader.readexactly(length)
        if first & 0x0F == 8:
            raise ConnectionError(f"closed: {payload!r}")
        if first & 0x40:  # compressed (RSV1)
            payload = self.inflate.decompress(payload + b"\0\0\xff\xff")
        return payload

    def write(self, data):  # one binary frame, masked with a zero key (XOR with it changes nothing)
        length = len(data)
        header = bytes([0x82]) + (bytes([0x80 | length]) if length < 126 else bytes([0x80 | 126]) + length.to_bytes(2, "big"))
        self.writer.write(header + b"\0\0\0\0" + data)


async def read_update(channel):
    """One FramebufferUpdate of raw rectangles; its size in bytes."""
    header = await channel.readexactly(4)
    assert header[0] == 0, f"unexpected server message {header[0]}"
    total = 4
    for _ in range(int.from_bytes(header[2:4], "big")):
        _, _, width, height, _ = struct.unpack(">HHHHi", await channel.readexactly(12))
        await channel.discard(width * height * 4)
        total += 12 + width * height * 4
    return total


def update_request(incremental, x, y, width, height):
    return struct.pack(">BBHHHH", 3, incremental, x, y, width, height)


async def connect(path):
    """An RFB 3.8 session: VNC authentication where the path leads straight to the VM, None through visa."""
    channel = await (Tcp().open(*path["tcp"]) if "tcp" in path else WebSocket().open(path["ws"], path.get("cookie", "")))
    await channel.readexactly(12)
    channel.write(VERSION_3_8)
    offered = await channel.readexactly((await channel.readexactly(1))[0])
    if SECURITY_VNC_AUTH in offered:
        channel.write(bytes([SECURITY_VNC_AUTH]))
        channel.write(vnc_auth_response(PASSWORD, await channel.readexactly(16)))
    else:
        channel.write(bytes([SECURITY_NONE]))
    assert await channel.readexactly(4) == b"\0\0\0\0", "security handshake failed"
    channel.write(b"\1")
    init = await channel.readexactly(24)
    await channel.readexactly(int.from_bytes(init[20:24], "big"))
    return channel, struct.unpack(">HH", init[:4])


def cpu_seconds(process):
    """CPU time of a relay process and its children (websockify serves each connection in one)."""
    total = 0.0
    for each in [process, *process.children(recursive=True)] if process else []:
        try:
            times = each.cpu_times()
        except psutil.NoSuchProcess:  # a connection's child that just ended
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


async def throughput(path, seconds):
    """MB/s, and the relay process's CPU time per 100 MB (what the relay costs, busy machine or not)."""
    channel, (width, height) = await connect(path)
    process = path.get("process")
    received, cpu_before, started = 0, cpu_seconds(process), time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        channel.write(update_request(0, 0, 0, width, height))
        received += await read_update(channel)
    cpu = cpu_seconds(process) - cpu_before
    await channel.close()
    return received / elapsed / 1e6, (cpu * 1e3 / (received / 1e8)) if process else None


async def latency(path, samples):
    channel, _ = await connect(path)
    times = []
    for _ in range(samples + 20):
        started = time.perf_counter()
        channel.write(update_request(0, 0, 0, 1, 1))
        await read_update(channel)
        times.append((time.perf_counter() - started) * 1e3)
    await channel.close()
    return statistics.median(times[20:])


async def streams(path, count, seconds, process):
    """`count` clients, each asking for a 128x128 update (64 kB) once a second: the changing part
    of a desktop in use. (Whole-screen updates for hundreds of clients would measure the VNC
    source, not the proxy.) CPU and memory of the ASGI process per stream."""
    rss_before = process.memory_info().rss
    channels = []
    for start in range(0, count, 50):
        channels += await asyncio.gather(*(connect(path) for _ in range(start, min(count, start + 50))))
    received = [0]

    async def watch(channel):
        while True:
            channel.write(update_request(0, 0, 0, 128, 128))
            size = await read_update(channel)  # not `+= await`: that would add to a stale total
            received[0] += size
            await asyncio.sleep(1)

    watchers = [asyncio.create_task(watch(channel)) for channel, _ in channels]
    await asyncio.sleep(2)  # every stream has its first full frame
    cpu_before, received[0], started = cpu_seconds(process), 0, time.perf_counter()
    await asyncio.sleep(seconds)
    cpu, elapsed = cpu_seconds(process) - cpu_before, time.perf_counter() - started
    rss = process.memory_info().rss
    for watcher in watchers:
        watcher.cancel()
    await asyncio.gather(*(c.close() for c, _ in channels), return_exceptions=True)
    cpu /= elapsed
    return {
        "streams": count, "cpu_percent": 100 * cpu, "cpu_percent_per_stream": 100 * cpu / count,
        "rss_mb": rss / 1e6, "rss_kb_per_stream": (rss - rss_before) / 1e3 / count,
        "mb_per_s_total": received[0] / elapsed / 1e6,
    }


# The paths -------------------------------------------------------------------------------------

async def _pipe(reader, writer):
    try:
        while data := await reader.read(READ_SIZE):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


def raw_relay(port, host, target_port):
    """The limit: bytes both ways through asyncio, no WebSocket, no checks."""
    async def handle(reader, writer):
        vm_reader, vm_writer = await asyncio.open_connection(host, target_port, limit=READ_SIZE)
        await asyncio.gather(_pipe(reader, vm_writer), _pipe(vm_reader, writer), return_exceptions=True)

    async def serve():
        server = await asyncio.start_server(handle, "127.0.0.1", port, limit=READ_SIZE)
        await server.serve_forever()
    asyncio.run(serve())


class Paths:
    """devcloud with one server, and every relay in its own process."""

    def __init__(self, directory, uvicorn_args):
        self.directory, self.processes = Path(directory), []
        self.cloud = start_devcloud(self.directory)
        conn = self.cloud.connect()
        server = conn.compute.create_server(
            name="bench", image_id=catalogue.IMAGES["ubuntu-desktop"].id,
            flavor_id=catalogue.FLAVOURS["m1.small"].id, user_data=vnc_user_data(PASSWORD))
        server = conn.compute.wait_for_server(server, wait=30, interval=0.2)
        self.vm = (next(iter(server.addresses.values()))[0]["addr"], 5900)
        deadline = time.monotonic() + 15
        while not listening(*self.vm) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.relay = self.start("relay", [sys.executable, "-m", "tests.benchmarks.proxy", "--relay", "{port}",
                                          *map(str, self.vm)])
        self.websockify = self.start("websockify", [str(Path(sys.executable).parent / "websockify"), "{port}",
                                                    f"{self.vm[0]}:{self.vm[1]}"])
        self.visa_path, self.visa = self.start_visa(uvicorn_args)

    def start(self, name, command, env=None):
        port = free_port()
        log = open(self.directory / f"{name}.log", "ab")
        command = [part.replace("{port}", str(port)) for part in command]
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        wait_for_port(port, process)
        return port, process

    def start_visa(self, uvicorn_args):
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        (self.directory / "visa").mkdir()
        env.update(VISA_VAR_DIR=str(self.directory / "visa"), DJANGO_SETTINGS_MODULE="visa.settings")
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "shell", "-v0", "-c", SETUP.format(address=self.vm[0])], cwd=ROOT, env=env, check=True)
        port, process = self.start("visa", [sys.executable, "-m", "uvicorn", "visa.asgi:application",
                                            "--port", "{port}", "--log-level", "warning", *uvicorn_args], env)
        url = f"http://127.0.0.1:{port}"
        user = WebUser(url, "bench", "bench")
        return {"ws": url.replace("http", "ws", 1) + f"/ws/instances/{UUID}/desktop",
                "cookie": user.cookie_header}, process

    def all(self):
        return {
            "direct TCP": {"tcp": self.vm},
            "raw asyncio relay": {"tcp": ("127.0.0.1", self.relay[0]), "process": psutil.Process(self.relay[1].pid)},
            "websockify": {"ws": f"ws://127.0.0.1:{self.websockify[0]}/", "process": psutil.Process(self.websockify[1].pid)},
            "visa proxy": {**self.visa_path, "process": psutil.Process(self.visa.pid)},
        }

    def stop(self):
        for process in self.processes:
            process.terminate()
            process.wait(10)
        self.cloud.stop()


UUID = "00000000-0000-4000-8000-00000000be9c"
SETUP = f"""
from django.contrib.auth import get_user_model
from instances.models import Flavour, Image, Instance
user = get_user_model().objects.create_user("bench", "bench@visa.test", "bench")
Instance.objects.create(uuid="{UUID}", name="bench", owner=user, state="ACTIVE", address="{{address}}",
    vnc_secret="{PASSWORD}", image=Image.objects.create(name="bench", cloud_id="x"),
    flavour=Flavour.objects.create(name="bench", cloud_id="x", cpus=1, ram_mb=1024))
"""


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
    streams_result = None
    if args.streams:
        streams_result = await streams(paths.visa_path, args.streams, args.seconds, psutil.Process(paths.visa.pid))
    return results, streams_result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3, help="per throughput run and for the streams")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--uvicorn-args", default="--ws-per-message-deflate false",
                        help="uvicorn options for visa's process (default: as `make run` starts it)")
    parser.add_argument("--relay", nargs=3, help=argparse.SUPPRESS)  # port host target-port: run the raw relay
    args = parser.parse_args()
    if args.relay:
        return raw_relay(int(args.relay[0]), args.relay[1], int(args.relay[2]))
    with tempfile.TemporaryDirectory() as directory:
        paths = Paths(directory, args.uvicorn_args.split())
        try:
            results, streams_result = asyncio.run(measure(paths, args))
        finally:
            paths.stop()
    raw, peer, visa = (results[k]["throughput_mb_s"] for k in ("raw asyncio relay", "websockify", "visa proxy"))
    print(f"{'path':<20} {'throughput MB/s':>16} {'relay CPU ms/100 MB':>20} {'RTT p50 ms':>11} {'added p50 ms':>13}")
    for name, r in results.items():
        cpu = f"{r['cpu_ms_per_100mb']:.0f}" if r["cpu_ms_per_100mb"] else "-"
        print(f"{name:<20} {r['throughput_mb_s']:>16.1f} {cpu:>20} {r['rtt_p50_ms']:>11.3f} {r['added_p50_ms']:>13.3f}")
    print(f"visa / raw relay: {visa / raw:.0%} (goal >= 90%); visa / websockify: {visa / peer:.2f}x (goal >= 1.5x); "
          f"visa added p50: {results['visa proxy']['added_p50_ms']:.3f} ms (goal < 0.3 ms)")
    if streams_result:
        s = streams_result
        print(f"{s['streams']} streams on one ASGI process: CPU {s['cpu_percent']:.0f}% "
              f"({s['cpu_percent_per_stream']:.3f}% per stream), RSS {s['rss_mb']:.0f} MB "
              f"({s['rss_kb_per_stream']:.0f} kB per stream), {s['mb_per_s_total']:.1f} MB/s in total")
    print(json.dumps({"paths": results, "streams": streams_result, "uvicorn_args": args.uvicorn_args}))


if __name__ == "__main__":
    main()
