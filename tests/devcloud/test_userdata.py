"""Where devcloud's servers find their VNC password: the cloud-config visa sends as user data."""
import base64

import pytest

from deploy.devcloud.cloud import desktop_notice
from deploy.devcloud.dcache import Door
from deploy.devcloud.testing import vnc_user_data
from deploy.devcloud.userdata import agent_config, mounts, vnc_password


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


def test_the_desktop_notice_lists_the_mounted_data_and_its_files(tmp_path):
    (tmp_path / "pnfs/xfel/p700000/raw").mkdir(parents=True)
    (tmp_path / "pnfs/xfel/p700000/README.txt").write_text("hello")
    door = Door(tmp_path, "visa", "devcloud")
    text = (
        "#cloud-config\nmounts:\n"
        "- [dcache.example.org:/pnfs/xfel/p700000, /data/700000, nfs4, 'ro,nfsvers=4.1', '0', '0']\n"
    )
    notice = desktop_notice("visa-1", mounts(encoded(text)), door)
    assert notice.splitlines() == [
        "devcloud visa-1", "", "/data/700000  (read-only)  from /pnfs/xfel/p700000", "    README.txt", "    raw/"]
    empty = desktop_notice("visa-2", mounts(vnc_user_data("pw")), door)
    assert "No data mounted." in empty


def test_rclone_webdav_mounts_are_read_from_the_config_they_write():
    text = (
        "#cloud-config\nwrite_files:\n- path: /etc/visa/rclone.conf\n  content: |\n"
        "    [data0]\n    type = webdav\n    url = http://door/dcache/pnfs/p1\n"
        "runcmd:\n- [rclone, mount, --read-only, --config, /etc/visa/rclone.conf, 'data0:', /data/p1]\n"
    )
    assert mounts(encoded(text)) == [("/pnfs/p1", "/data/p1", True)]


def test_the_mount_agent_finds_its_settings_in_the_user_data():
    text = ('#cloud-config\nwrite_files:\n- path: /etc/visa/agent.json\n'
            '  content: \'{"url": "http://visa/api/agent/mounts", "token": "t", "root": "/data", "interval": 5}\'\n')
    assert agent_config(encoded(text)) == {"url": "http://visa/api/agent/mounts", "token": "t", "root": "/data", "interval": 5}
    assert agent_config(vnc_user_data("pw")) is None
    assert agent_config(encoded("#cloud-config\nwrite_files:\n- path: /etc/visa/agent.json\n  content: '{'\n")) is None
