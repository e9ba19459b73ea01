"""The desktop proxy's TCP connection to a VM's VNC server.

During the RFB handshake it is read like a stream (readexactly). After that, each chunk the socket
gives is handed on as it is: no stream buffer to copy it into and out of again, which matters on
the server-to-browser path that carries the whole picture; only small chunks that queued up are
joined (one frame for them). Reading pauses while more than MAX_QUEUED bytes wait for the browser.
"""
import asyncio
from collections import deque

MAX_QUEUED = 4 << 20
COALESCE = 64 << 10


class VmLink(asyncio.Protocol):
    def __init__(self):
        self._chunks = deque()
        self._queued = 0
        self._closed = False
        self._paused = False
        self._arrived = None  # a future while someone waits for data
        self.transport = None

    @classmethod
    async def open(cls, host, port):
        return (await asyncio.get_running_loop().create_connection(cls, host, port))[1]

    # asyncio.Protocol

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self._chunks.append(data)
        self._queued += len(data)
        if self._queued > MAX_QUEUED and not self._paused:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self):
        self._closed = True
        self._wake()

    def connection_lost(self, exc):
        self._closed = True
        self._wake()

    # For the proxy

    def write(self, data):
        self.transport.write(data)

    def close(self):
        if self.transport is not None:
            self.transport.close()

    async def readexactly(self, size):
        """For the handshake: exactly `size` bytes (asyncio.IncompleteReadError if the VM hangs up)."""
        while self._queued < size:
            if self._closed:
                raise asyncio.IncompleteReadError(b"".join(self._chunks), size)
            await self._wait()
        data = b"".join(self._chunks)
        self._chunks.clear()
        if len(data) > size:
            self._chunks.append(data[size:])
        self._queued -= size
        return data[:size]

    async def next_chunk(self):
        """The next chunk as the socket gave it, or b"" once the VM has closed the connection.
        Small chunks that queued up while the browser's side was busy come as one, up to COALESCE
        bytes: one WebSocket frame and one write for them, not one each."""
        while not self._chunks:
            if self._closed:
                return b""
            await self._wait()
        parts = [self._chunks.popleft()]
        size = len(parts[0])
        while self._chunks and size + len(self._chunks[0]) <= COALESCE:
            parts.append(self._chunks.popleft())
            size += len(parts[-1])
        self._queued -= size
        if self._paused and self._queued < MAX_QUEUED // 2:
            self._paused = False
            self.transport.resume_reading()
        return parts[0] if len(parts) == 1 else b"".join(parts)

    async def _wait(self):
        self._arrived = asyncio.get_running_loop().create_future()
        try:
            await self._arrived
        finally:
            self._arrived = None

    def _wake(self):
        if self._arrived is not None and not self._arrived.done():
            self._arrived.set_result(None)
