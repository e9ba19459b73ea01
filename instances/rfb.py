"""Pieces of the RFB (VNC) protocol, RFC 6143, shared by the desktop proxy and devcloud's VNC server."""
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

VERSION_3_8 = b"RFB 003.008\n"
SECURITY_NONE = 1
SECURITY_VNC_AUTH = 2


def vnc_auth_response(password: str, challenge: bytes) -> bytes:
    """Answer a 16-byte VNC authentication challenge.

    VNC uses DES with the password (first 8 bytes, zero padded) as key, each key byte's bits
    reversed. DES is three-key TripleDES with the same key thrice.
    """
    key = password.encode()[:8].ljust(8, b"\0")
    key = bytes(int(f"{b:08b}"[::-1], 2) for b in key)
    encryptor = Cipher(TripleDES(key * 3), modes.ECB()).encryptor()
    return encryptor.update(challenge) + encryptor.finalize()


class RFBError(Exception):
    pass


async def _read_reason(reader) -> str:
    length = int.from_bytes(await reader.readexactly(4), "big")
    return (await reader.readexactly(length)).decode(errors="replace")


async def authenticate_to_server(reader, writer, password: str) -> bytes:
    """Open an RFB 3.8 session with a VNC server as a shared client; return its ServerInit.

    The proxy does this with the VM itself, so the VNC password never leaves the server side.
    """
    version = await reader.readexactly(12)
    if not version.startswith(b"RFB 003.") or version[8:11] < b"008":
        raise RFBError(f"the desktop speaks an unsupported RFB version {version!r}")
    writer.write(VERSION_3_8)
    count = (await reader.readexactly(1))[0]
    if count == 0:
        raise RFBError(f"the desktop refused the connection: {await _read_reason(reader)}")
    if SECURITY_VNC_AUTH not in await reader.readexactly(count):
        raise RFBError("the desktop does not offer VNC authentication")
    writer.write(bytes([SECURITY_VNC_AUTH]))
    writer.write(vnc_auth_response(password, await reader.readexactly(16)))
    if int.from_bytes(await reader.readexactly(4), "big") != 0:
        raise RFBError(f"the desktop refused its password: {await _read_reason(reader)}")
    writer.write(b"\x01")  # ClientInit, shared: participants must not disconnect each other
    header = await reader.readexactly(24)  # width, height, pixel format, name length
    name = await reader.readexactly(int.from_bytes(header[20:24], "big"))
    return header + name


class BrowserHandshake:
    """The server side of RFB 3.8 towards the browser, offering security type None.

    feed() takes whatever bytes arrived and returns (reply to send, bytes past the handshake).
    Once done, the proxy sends the VM's ServerInit and starts relaying.
    """

    def __init__(self):
        self.buffer = b""
        self.step = "version"
        self.done = False

    def feed(self, data: bytes):
        self.buffer += data
        reply = b""
        if self.step == "version" and len(self.buffer) >= 12:
            if self.buffer[:12] != VERSION_3_8:
                raise RFBError("only RFB 3.8 clients are supported")
            self.buffer, self.step = self.buffer[12:], "security"
            reply += bytes([1, SECURITY_NONE])
        if self.step == "security" and len(self.buffer) >= 1:
            if self.buffer[0] != SECURITY_NONE:
                raise RFBError("the client chose a security type that was not offered")
            self.buffer, self.step = self.buffer[1:], "init"
            reply += (0).to_bytes(4, "big")  # SecurityResult: OK
        if self.step == "init" and len(self.buffer) >= 1:
            # ClientInit's shared flag is ignored: the proxy always joins the VM as shared.
            self.buffer, self.done = self.buffer[1:], True
        rest = self.buffer if self.done else b""
        return reply, rest
