"""A small RFB 3.8 client for tests: over TCP (straight to a VM) or over a WebSocket (through
the desktop proxy, as noVNC connects)."""
import asyncio
import concurrent.futures
import struct

from instances import rfb

# 32 bpp true colour, little endian, red/green/blue at bits 0/8/16: what noVNC asks for.
NOVNC_PIXEL_FORMAT = struct.pack(">BBBBHHHBBBxxx", 32, 24, 0, 1, 255, 255, 255, 0, 8, 16)


class TCPStream:
    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host, port):
        return cls(*await asyncio.open_connection(host, port))

    async def read_exactly(self, n):
        return await self.reader.readexactly(n)

    async def write(self, data):
        self.writer.write(data)
        await self.writer.drain()

    async def close(self):
        self.writer.close()


class WebSocketStream:
    def __init__(self, websocket):
        self.websocket, self.buffer = websocket, b""

    async def read_exactly(self, n):
        while len(self.buffer) < n:
            self.buffer += await self.websocket.recv()
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    async def write(self, data):
        await self.websocket.send(data)

    async def close(self):
        await self.websocket.close()


class RFBClient:
    def __init__(self, stream):
        self.stream = stream
        self.width = self.height = 0
        self.name = ""

    async def handshake(self, password=None, shared=True):
        """Negotiate security (VNC auth if a password is given, else None) and initialise."""
        s = self.stream
        version = await s.read_exactly(12)
        assert version == rfb.VERSION_3_8, version
        await s.write(rfb.VERSION_3_8)
        types = await s.read_exactly((await s.read_exactly(1))[0])
        chosen = rfb.SECURITY_VNC_AUTH if password is not None else rfb.SECURITY_NONE
        assert chosen in types, f"security types offered: {list(types)}"
        await s.write(bytes([chosen]))
        if chosen == rfb.SECURITY_VNC_AUTH:
            await s.write(rfb.vnc_auth_response(password, await s.read_exactly(16)))
        if struct.unpack(">I", await s.read_exactly(4))[0] != 0:
            reason = await s.read_exactly(struct.unpack(">I", await s.read_exactly(4))[0])
            raise rfb.RFBError(reason.decode())
        await s.write(bytes([1 if shared else 0]))
        self.width, self.height = struct.unpack(">HH", await s.read_exactly(4))
        await s.read_exactly(16)  # the server's pixel format; we set our own
        self.name = (await s.read_exactly(struct.unpack(">I", await s.read_exactly(4))[0])).decode()
        await s.write(b"\x00\x00\x00\x00" + NOVNC_PIXEL_FORMAT)  # SetPixelFormat
        await s.write(struct.pack(">BxHi", 2, 1, 0))  # SetEncodings: raw

    async def request_update(self, incremental=False):
        await self.stream.write(struct.pack(">BBHHHH", 3, int(incremental), 0, 0, self.width, self.height))

    async def read_update(self):
        """Read one FramebufferUpdate of raw rectangles; return [(x, y, w, h, pixels)]."""
        s = self.stream
        message_type = (await s.read_exactly(1))[0]
        assert message_type == 0, f"unexpected server message {message_type}"
        count = struct.unpack(">xH", await s.read_exactly(3))[0]
        rects = []
        for _ in range(count):
            x, y, w, h, encoding = struct.unpack(">HHHHi", await s.read_exactly(12))
            assert encoding == 0, f"unexpected encoding {encoding}"
            rects.append((x, y, w, h, await s.read_exactly(w * h * 4)))
        return rects

    async def key(self, keysym, down=True):
        await self.stream.write(struct.pack(">BBxxI", 4, int(down), keysym))

    async def pointer(self, x, y, buttons=0):
        await self.stream.write(struct.pack(">BBHH", 5, buttons, x, y))


def non_blank(pixels: bytes) -> bool:
    """True when a raw 32 bpp rectangle holds more than one colour."""
    first = pixels[:4]
    return any(pixels[i:i + 4] != first for i in range(0, len(pixels), 4 * 97))


def run(coroutine):
    """Run a coroutine to completion from synchronous test code, even while another event loop
    (Playwright's) runs in this thread."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
