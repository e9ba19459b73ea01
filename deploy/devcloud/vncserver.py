"""The builtin VNC server: RFB 3.8 (RFC 6143) with VNC authentication, raw encoding only.

All desktops share one asyncio loop in a background thread; the cloud, which runs on HTTP request
threads and timers, calls in through `BuiltinDesktops.launch` and `BuiltinDesktop.close`.
"""
import asyncio
import hmac
import logging
import os
import struct
import threading

from protocols.rfb import SECURITY_VNC_AUTH, VERSION_3_8, vnc_auth_response

from .picture import HEIGHT, SCREEN, WIDTH, Picture

log = logging.getLogger(__name__)

FRAME_INTERVAL = 1 / 30
MAX_CUT_TEXT = 256 * 1024  # TigerVNC's default limit
MAX_DIRTY_RECTS = 16  # beyond this a client that fell behind gets the whole screen instead
PIXEL_FORMAT = ">BBBBHHHBBB3x"  # bpp, depth, big-endian, true-colour, 3 maxima, 3 shifts, padding
SERVER_FORMAT = struct.pack(PIXEL_FORMAT, 32, 24, 0, 1, 255, 255, 255, 16, 8, 0)
SERVER_LAYOUT = (2, 1, 0)  # byte offsets of red, green and blue in SERVER_FORMAT's pixels


class BuiltinDesktops:
    """Starts builtin desktops; owns the event loop they run on."""

    name = "builtin"

    def __init__(self):
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="vnc", daemon=True)
        self._thread.start()

    def launch(self, address, port, password, title, inputs, notice):
        """Listen at (address, port); `inputs` is a Counter of received key/pointer/clipboard messages.
        The picture has no text, so the `notice` is not shown."""
        desktop = BuiltinDesktop(self._loop, password, title, inputs)
        asyncio.run_coroutine_threadsafe(desktop.listen(address, port), self._loop).result()
        return desktop

    def close(self):
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


class UnsupportedPixelFormat(Exception):
    pass


class BuiltinDesktop:
    def __init__(self, loop, password, title, inputs):
        self._loop = loop
        self._password = password
        self._name = f"devcloud {title}".encode()
        self._inputs = inputs
        self._picture = Picture()
        self._listener = None
        self._connections = set()  # every socket, also those still in the handshake
        self._viewers = set()  # clients past the handshake
        self._animator = None

    async def listen(self, address, port):
        self._listener = await asyncio.start_server(self._serve, address, port)

    def set_password(self, password):
        """The VM took a rotated password: the next client authenticates with it."""
        self._password = password

    def show(self, notice):
        """The picture has no text, so a notice is not shown (devcloud's API tells the mounts)."""

    def close(self):
        """Power off: stop listening and drop every connection at once."""
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result()

    async def _close(self):
        self._listener.close()
        for writer in list(self._connections):
            writer.transport.abort()
        if self._animator:
            self._animator.cancel()

    async def _serve(self, reader, writer):
        self._connections.add(writer)
        viewer = None
        try:
            if await self._handshake(reader, writer):
                viewer = Viewer(writer, self._picture)
                self._viewers.add(viewer)
                self._animate_while_watched()
                await self._read_messages(viewer, reader)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        except UnsupportedPixelFormat as error:
            log.warning("closing VNC client: %s", error)
        finally:
            if viewer:
                viewer.stop()
                self._viewers.discard(viewer)
            self._connections.discard(writer)
            writer.close()

    async def _handshake(self, reader, writer):
        """RFB 3.8 handshake; True when the client may go on to the normal protocol."""
        writer.write(VERSION_3_8)
        if await reader.readexactly(12) != VERSION_3_8:
            return False  # older clients expect another security handshake; none of ours is that old
        writer.write(bytes([1, SECURITY_VNC_AUTH]))
        if (await reader.readexactly(1))[0] != SECURITY_VNC_AUTH:
            writer.write(_security_failure("security type not offered"))
            return False
        challenge = os.urandom(16)
        writer.write(challenge)
        response = await reader.readexactly(16)
        if not hmac.compare_digest(response, vnc_auth_response(self._password, challenge)):
            writer.write(_security_failure("Authentication failed"))
            return False
        writer.write(struct.pack(">I", 0))
        shared = (await reader.readexactly(1))[0]
        if not shared:  # an exclusive client disconnects everyone else, as real VNC servers do
            for other in list(self._viewers):
                other.writer.close()
        writer.write(struct.pack(">HH", WIDTH, HEIGHT) + SERVER_FORMAT)
        writer.write(struct.pack(">I", len(self._name)) + self._name)
        return True

    async def _read_messages(self, viewer, reader):
        while True:
            kind = (await reader.readexactly(1))[0]
            if kind == 0:  # SetPixelFormat
                viewer.set_pixel_format((await reader.readexactly(19))[3:])
            elif kind == 2:  # SetEncodings: every update is raw, so the list only needs reading
                (count,) = struct.unpack(">xH", await reader.readexactly(3))
                await reader.readexactly(4 * count)
            elif kind == 3:  # FramebufferUpdateRequest: a full one gets the area asked for
                incremental, *area = struct.unpack(">BHHHH", await reader.readexactly(9))
                viewer.request(incremental, _clip(area))
            elif kind == 4:  # KeyEvent
                await reader.readexactly(7)
                self._inputs["key"] += 1
            elif kind == 5:  # PointerEvent
                _, x, y = struct.unpack(">BHH", await reader.readexactly(5))
                self._inputs["pointer"] += 1
                self._picture.point(x, y)
            elif kind == 6:  # ClientCutText
                (length,) = struct.unpack(">3xI", await reader.readexactly(7))
                if length > MAX_CUT_TEXT:
                    return
                await reader.readexactly(length)
                self._inputs["clipboard"] += 1
            else:
                return  # the length of an unknown message is unknown, so the stream cannot go on

    def _animate_while_watched(self):
        if self._animator is None or self._animator.done():
            self._animator = asyncio.create_task(self._animate())

    async def _animate(self):
        while self._viewers:
            await asyncio.sleep(FRAME_INTERVAL)
            changed = self._picture.advance()
            for viewer in self._viewers:
                viewer.changed(changed)


class Viewer:
    """A client past the handshake: its pixel format and the update it asked for."""

    def __init__(self, writer, picture):
        self.writer = writer
        self._layout = SERVER_LAYOUT
        self._pending = None  # the unanswered FramebufferUpdateRequest: "full" or "incremental"
        self._full_area = SCREEN  # what the last full request asked for
        self._dirty = [SCREEN]  # what changed since the last update sent to this client
        self._wake = asyncio.Event()
        self._sender = asyncio.create_task(self._send_updates(picture))

    def stop(self):
        self._sender.cancel()

    def set_pixel_format(self, data):
        bpp, _, big_endian, true_colour, *maxima_and_shifts = struct.unpack(PIXEL_FORMAT, data)
        maxima, shifts = maxima_and_shifts[:3], maxima_and_shifts[3:]
        if (
            bpp != 32
            or not true_colour
            or maxima != [255, 255, 255]
            or any(s % 8 for s in shifts)
            or len(set(shifts)) != 3
        ):
            raise UnsupportedPixelFormat(f"only 32 bpp true colour with byte-aligned shifts: {data.hex()}")
        self._layout = tuple(3 - s // 8 if big_endian else s // 8 for s in shifts)

    def request(self, incremental, area=SCREEN):
        if not incremental:
            self._pending, self._full_area = "full", area
        elif self._pending is None:
            self._pending = "incremental"
        self._wake.set()

    def changed(self, rects):
        self._dirty += rects
        if len(self._dirty) > MAX_DIRTY_RECTS:
            self._dirty = [SCREEN]
        if self._pending:  # only a waiting request needs the sender; hundreds of idle viewers do not
            self._wake.set()

    async def _send_updates(self, picture):
        """Answer requests: a full one at once, an incremental one when something has changed."""
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                if self._pending == "full":
                    rects = [self._full_area]
                elif self._pending == "incremental" and self._dirty:
                    rects = self._dirty
                else:
                    continue
                self._pending, self._dirty = None, []
                self.writer.write(struct.pack(">BxH", 0, len(rects)))
                for rect in rects:
                    self.writer.write(struct.pack(">HHHHi", *rect, 0))
                    self.writer.write(self._convert(picture.region(rect)))
                await self.writer.drain()
        except ConnectionError:
            self.writer.close()

    def _convert(self, pixels):
        """Reorder the bytes of each pixel into the client's format."""
        if self._layout == SERVER_LAYOUT:
            return pixels
        converted = bytearray(len(pixels))
        for source, target in zip(SERVER_LAYOUT, self._layout):
            converted[target::4] = pixels[source::4]
        return converted


def _clip(area):
    """An area inside the screen, at least one pixel (the benchmarks ask for one to time round trips)."""
    x, y, width, height = area
    x, y = min(x, WIDTH - 1), min(y, HEIGHT - 1)
    return (x, y, max(1, min(width, WIDTH - x)), max(1, min(height, HEIGHT - y)))


def _security_failure(reason):
    reason = reason.encode()
    return struct.pack(">II", 1, len(reason)) + reason
