"""Where devcloud's servers find their VNC password: the cloud-config visa sends as user data."""
import base64
from types import SimpleNamespace

import pytest

from deploy.devcloud.cloud import desktop_notice
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


def test_the_desktop_notice_lists_the_mounted_data():
    text = (
        "#cloud-config\nmounts:\n"
        "- [dcache.example.org:/pnfs/xfel/p700000, /data/700000, nfs4, 'ro,nfsvers=4.1', '0', '0']\n"
    )
    notice = desktop_notice(SimpleNamespace(name="visa-1", user_data=encoded(text)))
    assert notice.splitlines()[0] == "devcloud visa-1"
    assert "/data/700000  from  dcache.example.org:/pnfs/xfel/p700000  (ro)" in notice
    assert "No data mounted." in desktop_notice(SimpleNamespace(name="visa-2", user_data=vnc_user_data("pw")))
