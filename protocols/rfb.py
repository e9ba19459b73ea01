"""Pieces of the RFB (VNC) protocol, RFC 6143, shared by the desktop proxy and devcloud's VNC server."""
import re

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


class PasswordRefused(RFBError):
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
        raise PasswordRefused(f"the desktop refused its password: {await _read_reason(reader)}")
    writer.write(b"\x01")  # ClientInit, shared: participants must not disconnect each other
    header = await reader.readexactly(24)  # width, height, pixel format, name length
    name = await reader.readexactly(int.from_bytes(header[20:24], "big"))
    return header + name


async def authenticate_with_any(connect, passwords):
    """Connect (`connect()` gives a reader and a writer) and authenticate with each password in
    turn until the desktop takes one: while its secret is rotated, a VM may have the old or the new.
    Returns the reader, the writer and the ServerInit."""
    for number, password in enumerate(passwords, 1):
        reader, writer = await connect()
        try:
            return reader, writer, await authenticate_to_server(reader, writer, password)
        except PasswordRefused:
            writer.close()
            if number == len(passwords):
                raise
        except BaseException:
            writer.close()
            raise


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


# Client-to-server messages (RFC 6143 section 7.5 and the extensions noVNC sends), by type.
SET_PIXEL_FORMAT, SET_ENCODINGS, UPDATE_REQUEST, KEY_EVENT, POINTER_EVENT, CLIENT_CUT_TEXT = 0, 2, 3, 4, 5, 6
CONTINUOUS_UPDATES, FENCE, XVP, SET_DESKTOP_SIZE, QEMU = 150, 248, 250, 251, 255
FIXED_LENGTHS = {SET_PIXEL_FORMAT: 20, UPDATE_REQUEST: 10, KEY_EVENT: 8, POINTER_EVENT: 6,
                 CONTINUOUS_UPDATES: 10, XVP: 4}
# What a participant who only watches may not send: input, clipboard, and changes to the desktop
# itself (resizing it, xvp shutdown/reboot). QEMU messages are extended key events (and audio).
INPUT_MESSAGES = frozenset({KEY_EVENT, POINTER_EVENT, CLIENT_CUT_TEXT, XVP, SET_DESKTOP_SIZE, QEMU})
# The extended pointer event (7 bytes, same type as the 6-byte one) is only sent once the server
# confirms this pseudo-encoding, which the proxy cannot see; so it is never asked for.
EXTENDED_MOUSE_BUTTONS = -316
MAX_CUT_TEXT = 10 * 1024 * 1024
# The largest WebSocket message the proxy takes from a browser: noVNC sends at most 10 KiB at a
# time (longer clipboard text in several), and each message is parsed within a few milliseconds.
MAX_FRAME = 32 * 1024
# Messages of other kinds parsed one by one per feed: a browser sends a few at a time, a flood of
# them would hold the proxy's event loop (about 1 us each).
MAX_MESSAGES_PER_FEED = 256


def _message_length(buffer, at):
    """The length of the client message starting at buffer[at], or None until enough of it is there."""
    kind, available = buffer[at], len(buffer) - at
    if kind in FIXED_LENGTHS:
        return FIXED_LENGTHS[kind]
    if kind == SET_ENCODINGS:
        return None if available < 4 else 4 + 4 * int.from_bytes(buffer[at + 2:at + 4], "big")
    if kind == CLIENT_CUT_TEXT:  # a negative length is the extended clipboard's (RFB community spec)
        if available < 8:
            return None
        length = abs(int.from_bytes(buffer[at + 4:at + 8], "big", signed=True))
        if length > MAX_CUT_TEXT:
            raise RFBError(f"clipboard text of {length} bytes is more than the proxy accepts")
        return 8 + length
    if kind == FENCE:
        return None if available < 9 else 9 + buffer[at + 8]
    if kind == SET_DESKTOP_SIZE:
        return None if available < 8 else 8 + 16 * buffer[at + 6]
    if kind == QEMU:
        if available < 2:
            return None
        if buffer[at + 1] == 0:  # extended key event
            return 12
        if buffer[at + 1] == 1:  # audio: 4 bytes, or 10 to set the format (operation 2)
            return None if available < 4 else 10 if buffer[at + 2:at + 4] == b"\0\2" else 4
        raise RFBError(f"unknown QEMU client message {buffer[at + 1]}")
    raise RFBError(f"unknown RFB client message type {kind}")


def _without_extended_mouse_buttons(message):
    count = int.from_bytes(message[2:4], "big")
    encodings = [int.from_bytes(message[i:i + 4], "big", signed=True) for i in range(4, 4 + 4 * count, 4)]
    if EXTENDED_MOUSE_BUTTONS not in encodings:
        return message
    kept = [e for e in encodings if e != EXTENDED_MOUSE_BUTTONS]
    return bytes([SET_ENCODINGS, 0]) + len(kept).to_bytes(2, "big") + b"".join(
        e.to_bytes(4, "big", signed=True) for e in kept)


# Fixed-length messages, handled by the regex engine in C rather than one by one in Python, so
# that a flood of them (a key held down, or a hostile viewer) costs little: a run of them is
# found at once, and a viewer's copy of it keeps only group 2, the messages that are not input.
_INPUT = rb"\x04[\s\S]{7}|\x05[\s\S]{5}|\xff\x00[\s\S]{10}|\xfa[\s\S]{3}"  # key, pointer, QEMU key, xvp
_CONTROL = rb"\x03[\s\S]{9}|\x96[\s\S]{9}|\x00[\s\S]{19}"  # update request, continuous updates, pixel format
_INPUT_RUN = re.compile(rb"(?:%s)+" % _INPUT)
_FIXED_RUN = re.compile(rb"(?:%s|%s)+" % (_INPUT, _CONTROL))
_FIXED = re.compile(rb"(%s)|(%s)" % (_INPUT, _CONTROL))


class ClientMessages:
    """Splits the browser's RFB stream (after the handshake) into whole messages.

    feed() takes whatever bytes arrived and returns (bytes to forward to the VM, whether any input
    message was seen). Only whole messages are forwarded, so a participant's right to control can
    change between any two feeds. Without that right, input messages are dropped.
    """

    def __init__(self):
        self._buffer = bytearray()

    def feed(self, data, allow_input):
        buffer = self._buffer
        buffer += data
        out, inputs, at, parsed = bytearray(), False, 0, 0
        while at < len(buffer):
            run = _INPUT_RUN.match(buffer, at)
            if run:  # only input: no need to pick the others out
                inputs = True
                if allow_input:
                    out += buffer[at:run.end()]
                at = run.end()
                continue
            run = _FIXED_RUN.match(buffer, at)
            if run:
                messages = buffer[at:run.end()]
                kept = _FIXED.sub(rb"\2", messages)
                inputs = inputs or len(kept) < len(messages)
                out += messages if allow_input else kept
                at = run.end()
                continue
            length = _message_length(buffer, at)
            if length is None or at + length > len(buffer):
                break
            parsed += 1
            if parsed > MAX_MESSAGES_PER_FEED:
                raise RFBError(f"more than {MAX_MESSAGES_PER_FEED} messages at once")
            kind = buffer[at]
            if kind in INPUT_MESSAGES:
                inputs = True
                if allow_input:
                    out += buffer[at:at + length]
            elif kind == SET_ENCODINGS:
                out += _without_extended_mouse_buttons(buffer[at:at + length])
            else:
                out += buffer[at:at + length]
            at += length
        del buffer[:at]
        return bytes(out), inputs
