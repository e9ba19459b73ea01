"""What a hostile client does to the desktop proxy, below what a WebSocket library allows: several
frames in one write, a connection dropped mid-upgrade; and what it may leave behind (the proxy's
connections to a VM)."""
import base64
import os
import socket
import struct
from urllib.parse import urlsplit

import psutil


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
        while b"\r\n\r\n" not in answer:
            answer += sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 101"), answer[:100]
    return sock


def malformed_handshake(url, cookie=""):
    """Two wrong RFB versions in two frames, in one write: the proxy refuses the first, and must
    not choke on the second."""
    sock = upgrade(url, cookie)
    sock.sendall(frame(b"RFB 003.003\n") + frame(b"RFB 003.003\n"))
    try:
        while sock.recv(4096):
            pass
    except OSError:
        pass
    sock.close()


def vm_connections(pid, address):
    """The TCP connections the process `pid` holds to a VM's address."""
    return [c for c in psutil.Process(pid).net_connections("tcp") if c.raddr and c.raddr.ip == address]
