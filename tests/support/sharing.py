"""What the sharing tests send through the desktop proxy and how they look at the result: RFB
input messages, the inputs devcloud's VNC server counted, and a refused connection's status."""
import struct

import pytest
import websockets

from instances.models import Instance
from tests.support import waiting

KEY = struct.pack(">BBxxI", 4, 1, 0x61)
POINTER = struct.pack(">BBHH", 5, 1, 10, 10)
CUT_TEXT = struct.pack(">B3xI", 6, 2) + b"hi"
QEMU_KEY = struct.pack(">BBHII", 255, 0, 1, 0x61, 30)
INPUT = {"key": 0, "pointer": 0, "clipboard": 0}


def inputs(devcloud, uuid):
    """The key, pointer and clipboard messages the VM's VNC server has received."""
    return devcloud.server(Instance.objects.get(uuid=uuid).server_id)["inputs"]


def send_all_input(connection):
    for message in (KEY, POINTER, CUT_TEXT, QEMU_KEY):
        connection.send(message)


def eventually(check, timeout=2):
    """check() comes true within `timeout` seconds (what the owner's page polls for)."""
    return waiting.eventually(check, timeout, every=0.05)


def refused(user, uuid, **kwargs):
    with pytest.raises(websockets.InvalidStatus) as refusal:
        user.open_desktop(uuid, **kwargs)
    return refusal.value.response.status_code

