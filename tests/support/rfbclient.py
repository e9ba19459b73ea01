"""A minimal blocking RFB 3.8 client for tests: VNC authentication, raw updates, input messages;
straight to a VM over TCP, or through the desktop proxy over a WebSocket as noVNC connects."""
import socket
import struct

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as websocket_connect

from protocols.rfb import SECURITY_NONE, SECURITY_VNC_AUTH, VERSION_3_8, vnc_auth_response

PIXEL_FORMAT = ">BBBBHHHBBB3x"
# What noVNC asks for: 32 bpp little-endian true colour with red in the first byte.
NOVNC_PIXEL_FORMAT = struct.pack(PIXEL_FORMAT, 32, 24, 0, 1, 255, 255, 255, 0, 8, 16)


class SecurityFailure(Exception):
    """The server refused us, with its reason."""


class WebSocketTransport:
    """A WebSocket with the socket methods the client uses: RFB is a byte stream over frames."""

    def __init__(self, url, cookie="", origin=None, timeout=5):
        self._websocket = websocket_connect(
            url, additional_headers={"Cookie": cookie} if cookie else None, origin=origin,
            subprotocols=["binary"], max_size=None, open_timeout=timeout, legacy=True,
        )
        self._buffer, self._timeout = b"", timeout
        self.close_reason = None  # (code, reason) once the proxy closed the WebSocket

    def recv(self, size):
        if not self._buffer:
            try:
                self._buffer = self._websocket.recv(timeout=self._timeout)
            except ConnectionClosed as closed:
                self.close_reason = (closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else None
                return b""
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def sendall(self, data):
        self._websocket.send(data)

    def settimeout(self, timeout):
        self._timeout = timeout

    def close(self):
        self._websocket.close()


class RfbClient:
    def __init__(self, host, port, password=None, shared=True, timeout=5, transport=None):
        """Connect, authenticate (VNC authentication, or None if the server offers it) and initialise."""
        self._socket = transport or socket.create_connection((host, port), timeout=timeout)
        self._read(12)
        self._socket.sendall(VERSION_3_8)
        offered = self._read(self._read(1)[0])
        if not offered:
            raise SecurityFailure(self._read_string())
        if SECURITY_VNC_AUTH in offered and password is not None:
            self._socket.sendall(bytes([SECURITY_VNC_AUTH]))
            self._socket.sendall(vnc_auth_response(password, self._read(16)))
        elif SECURITY_NONE in offered:
            self._socket.sendall(bytes([SECURITY_NONE]))
        else:
            raise SecurityFailure(f"no usable security type among {list(offered)}")
        if struct.unpack(">I", self._read(4))[0]:
            raise SecurityFailure(self._read_string())
        self._socket.sendall(bytes([shared]))
        self.width, self.height = struct.unpack(">HH", self._read(4))
        self.pixel_format = self._read(16)
        self.name = self._read_string().decode()

    def set_pixel_format(self, pixel_format):
        self._socket.sendall(b"\0\0\0\0" + pixel_format)
        self.pixel_format = pixel_format

    def set_encodings(self, encodings):
        self._socket.sendall(struct.pack(f">BxH{len(encodings)}i", 2, len(encodings), *encodings))

    def request_update(self, incremental=False):
        self._socket.sendall(struct.pack(">BBHHHH", 3, incremental, 0, 0, self.width, self.height))

    def read_update(self):
        """The next FramebufferUpdate's rectangles as (x, y, width, height, raw pixels)."""
        while True:
            kind = self._read(1)[0]
            if kind == 0:
                break
            if kind == 2:  # Bell
                continue
            if kind == 3:  # ServerCutText
                self._read(3)
                self._read_string()
            else:
                raise ValueError(f"unexpected server message {kind}")
        (count,) = struct.unpack(">xH", self._read(3))
        bytes_per_pixel = self.pixel_format[0] // 8
        rects = []
        for _ in range(count):
            x, y, width, height, encoding = struct.unpack(">HHHHi", self._read(12))
            if encoding != 0:
                raise ValueError(f"expected raw encoding, got {encoding}")
            rects.append((x, y, width, height, self._read(width * height * bytes_per_pixel)))
        return rects

    def framebuffer(self):
        """The whole screen's pixels, asked for with a non-incremental request."""
        self.request_update(incremental=False)
        return b"".join(pixels for *_, pixels in self.read_update())

    def key(self, keysym, down=True):
        self._socket.sendall(struct.pack(">BBxxI", 4, down, keysym))

    def pointer(self, x, y, buttons=0):
        self._socket.sendall(struct.pack(">BBHH", 5, buttons, x, y))

    def cut_text(self, text):
        data = text.encode("latin-1")
        self._socket.sendall(struct.pack(">B3xI", 6, len(data)) + data)

    def send(self, message):
        """Any client message, as raw bytes."""
        self._socket.sendall(message)

    @property
    def close_reason(self):
        """(code, reason) of the proxy's WebSocket close, once it closed."""
        return self._socket.close_reason

    def closed_by_server(self, timeout=5):
        """Whether the server closes the connection within `timeout` seconds (what it sends is skipped)."""
        self._socket.settimeout(timeout)
        try:
            while self._socket.recv(1 << 16):
                pass
        except TimeoutError:
            return False
        except ConnectionError:
            pass
        return True

    def close(self):
        self._socket.close()

    @classmethod
    def through_proxy(cls, url, cookie="", origin=None):
        """Connect to a desktop through visa's proxy, which offers security type None."""
        return cls(None, None, transport=WebSocketTransport(url, cookie, origin))

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.close()

    def _read(self, size):
        data = bytearray()
        while len(data) < size:
            chunk = self._socket.recv(size - len(data))
            if not chunk:
                raise ConnectionError("server closed the connection")
            data += chunk
        return bytes(data)

    def _read_string(self):
        (length,) = struct.unpack(">I", self._read(4))
        return self._read(length)


def non_blank(pixels: bytes) -> bool:
    """True when a raw 32 bpp picture holds more than one colour."""
    return any(pixels[i:i + 4] != pixels[:4] for i in range(0, len(pixels), 4 * 97))
