"""Where devcloud's servers find their VNC password: the cloud-config visa sends as user data."""
import base64

import pytest

from deploy.devcloud.testing import vnc_user_data
from deploy.devcloud.userdata import vnc_password


def encoded(text):
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize("password", ["s3cret", "with space", "quote\"d: yes", "12345678"])
def test_password_round_trips(password):
    assert vnc_password(vnc_user_data(password)) == password


def test_block_scalar_content_loses_its_newline():
    text = (
        "#cloud-config\nwrite_files:\n"
        "- path: /etc/motd\n  content: hi\n"
        "- path: /etc/visa/vnc-password\n  content: |\n    pw\n"
    )
    assert vnc_password(encoded(text)) == "pw"


@pytest.mark.parametrize(
    "user_data",
    [
        None,
        "not base64!",
        encoded("write_files:\n- path: /etc/visa/vnc-password\n  content: pw\n"),  # no #cloud-config header
        encoded("#cloud-config\nwrite_files:\n- path: /etc/motd\n  content: pw\n"),
        encoded("#cloud-config\nwrite_files:\n- path: /etc/visa/vnc-password\n  content: ''\n"),
        encoded("#cloud-config\n: [unbalanced\n"),
    ],
)
def test_no_password(user_data):
    assert vnc_password(user_data) is None
