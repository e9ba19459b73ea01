"""What a hostile client does to the desktop proxy: several frames in one write and a connection
dropped mid-upgrade (below what a WebSocket library allows), a connect racing a revoke; and what it
may leave behind (the proxy's connections to a VM). No Django here: benchmarks use it too."""
import base64
import os
import socket
import struct
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import psutil
import websockets


def frame(payload, opcode=2):
    """One masked client frame (binary by default)."""
    mask = os.urandom(4)
    size = len(payload)
    header = struct.pack(">BB", 0x80 | opcode, 0x80 | (size if size < 126 else 126 if size < 1 << 16 else 127))
    if size >= 1 << 16:
        header += struct.pack(">Q", size)
    elif size >= 126:
        header += struct.pack(">H", size)
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def upgrade(url, cookie="", wait=True):
    """A raw socket that asked `url` (ws://) for a WebSocket; with `wait`, once the answer's headers
    came (the socket then reads the first frames)."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    origin = f"http://{parts.hostname}:{parts.port}"
    sock.sendall((f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                  f"Origin: {origin}\r\nCookie: {cookie}\r\n\r\n").encode())
    if wait:
        answer = b""
        while not answer.endswith(b"\r\n\r\n"):  # a byte at a time: the frames after it stay unread
            answer += _read_exactly(sock, 1)
        assert answer.startswith(b"HTTP/1.1 101"), answer[:100]
    return sock


def malformed_handshake(url, cookie=""):
    """Two wrong RFB versions in two frames, in one write: the proxy refuses the first, and must
    not choke on the second."""
    sock = upgrade(url, cookie)
    sock.sendall(frame(b"RFB 003.003\n") + frame(b"RFB 003.003\n"))
    try:
        while _read_frame(sock) != 8:  # until the proxy's close frame (it waits for ours no longer)
            pass
    except (OSError, ConnectionError):
        pass
    sock.close()


def _read_exactly(sock, size):
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _read_frame(sock):
    """Read one (unmasked) server frame; its opcode."""
    first, size = _read_exactly(sock, 2)
    size &= 0x7F
    if size >= 126:
        size = int.from_bytes(_read_exactly(sock, 2 if size == 126 else 8), "big")
    _read_exactly(sock, size)
    return first & 0x0F


def vm_connections(pid, address):
    """The TCP connections the process `pid` holds to a VM's address."""
    return [c for c in psutil.Process(pid).net_connections("tcp") if c.raddr and c.raddr.ip == address]


def race_revoke_with_connect(owner, user, uuid, keys, delay):
    """One try: `user` joins by a new interactive link, then connects while the owner revokes the
    link (`delay` seconds into the connect, as the page's button does it). True when the connection
    survived: open a second later, its input reaching the VM (`keys()`: the key events it counted)."""
    user.join(owner.share(uuid, access="interactive"))
    link = max(link["id"] for link in owner.get(f"/instances/{uuid}/sharing").json()["links"])
    csrf = owner.csrf(owner.get(f"/instances/{uuid}/").text)
    revoke = f"{owner.base_url}/instances/{uuid}/links/{link}/revoke"

    def connect():
        try:
            return user.open_desktop(uuid)
        except (websockets.InvalidStatus, websockets.ConnectionClosed, ConnectionError):  # refused, or closed at once
            return None
    with ThreadPoolExecutor(1) as pool:
        connecting = pool.submit(connect)
        time.sleep(delay)
        assert owner.http.post(revoke, data={"csrfmiddlewaretoken": csrf}).ok
        connection = connecting.result()
    if connection is None:
        return False
    with connection:
        if connection.closed_by_server(timeout=1):
            return False
        before = keys()
        connection.key(0x61)
        time.sleep(1)
        return keys() > before
