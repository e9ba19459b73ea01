"""The proxy benchmark's client (tests/benchmarks/proxy.py): RFB over TCP or a minimal WebSocket,
and the measurements it takes through a path: throughput, latency and many concurrent streams."""
import asyncio
import base64
import os
import re
import statistics
import struct
import time
import zlib

import psutil

from protocols.rfb import SECURITY_NONE, SECURITY_VNC_AUTH, VERSION_3_8, vnc_auth_response
from tests.benchmarks.proxy_peers import PASSWORD, READ_SIZE


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


def memory(process):
    """Memory that a relay process and its children hold of their own (USS: not the pages a forked
    child still shares with its parent), so that websockify's process per connection counts what
    each one adds."""
    total = 0
    for each in [process, *process.children(recursive=True)]:
        try:
            total += each.memory_full_info().uss
        except psutil.NoSuchProcess:
            continue
    return total


async def streams(paths, count, seconds):
    """`count` clients, taking the `paths` (each with its relay "process") in turn, each asking for
    a 128x128 update (64 kB) once a second: the changing part of a desktop in use. (Whole-screen
    updates for thousands of clients would measure the VNC source, not the proxy.) CPU and memory
    of the relay processes per stream."""
    processes = [path["process"] for path in paths]
    memory_before = sum(map(memory, processes))
    channels = []
    failed = []  # a relay that cannot take them all: how many it failed is a result too
    for start in range(0, count, 20):  # more at once, and admission's 5 s database time-out (SQLite) may refuse some
        for result in await asyncio.gather(*(connect(paths[n % len(paths)]) for n in range(start, min(count, start + 20))),
                                           return_exceptions=True):
            (failed if isinstance(result, BaseException) else channels).append(result)
    count = len(channels)
    received = [0]

    async def watch(channel):
        while True:
            channel.write(update_request(0, 0, 0, 128, 128))
            try:
                size = await read_update(channel)  # not `+= await`: that would add to a stale total
            except (ConnectionError, asyncio.IncompleteReadError):
                failed.append("closed while streaming")
                return
            received[0] += size
            await asyncio.sleep(1)

    watchers = [asyncio.create_task(watch(channel)) for channel, _ in channels]
    await asyncio.sleep(2)  # every stream has its first full frame
    cpu_before, received[0], started = sum(map(cpu_seconds, processes)), 0, time.perf_counter()
    await asyncio.sleep(seconds)
    cpu, elapsed = sum(map(cpu_seconds, processes)) - cpu_before, time.perf_counter() - started
    used = sum(map(memory, processes))
    for watcher in watchers:
        watcher.cancel()
    await asyncio.gather(*(c.close() for c, _ in channels), return_exceptions=True)
    cpu /= elapsed
    return {
        "streams": count, "failed": len(failed), "failures": sorted({repr(f)[:120] for f in failed})[:5],
        "processes": len(processes), "cpu_percent": 100 * cpu, "cpu_percent_per_stream": 100 * cpu / count,
        "memory_mb": used / 1e6, "memory_kb_per_stream": (used - memory_before) / 1e3 / count,
        "mb_per_s_total": received[0] / elapsed / 1e6, "goal_mb_per_s": count * 128 * 128 * 4 / 1e6,
        # CPU per MB relayed: comparable when a busy machine lets the clients ask less often than asked
        "cpu_ms_per_mb": cpu * 1e3 / (received[0] / elapsed / 1e6) if received[0] else None,
    }
