"""cloud-init user data for an instance: its data mounts (read-only), owner and VNC secret."""
import configparser
import io

import yaml
from django.conf import settings

from openaccess.policy import can_read

from . import dcache

VNC_PASSWORD_PATH = "/etc/visa/vnc-password"
RCLONE_CONFIG_PATH = "/etc/visa/rclone.conf"
READ_ONLY_NFS_OPTIONS = "ro,nfsvers=4.1,nosuid,nodev,noexec,_netdev"


def data_mounts(instance):
    """(dCache path, mount point) for each attached experiment that the owner may read now: data
    whose embargo came back, or whose membership ended, is not mounted again."""
    return [
        (experiment.data_path, f"{settings.VISA_DATA_MOUNT_ROOT}/{experiment.proposal_id}")
        for experiment in instance.experiments.order_by("proposal_id")
        if can_read(instance.owner, experiment)
    ]


def _secret_file(path, content):
    return {"path": path, "content": content, "permissions": "0600", "owner": "root:root"}


def _nfs(mounts):
    return {"mounts": [
        [f"{settings.VISA_DCACHE_NFS_SERVER}:{path}", point, "nfs4", READ_ONLY_NFS_OPTIONS, "0", "0"]
        for path, point in mounts
    ]}


def _webdav(mounts, until):
    """rclone mounts of dCache's WebDAV door, each with its own read-only macaroon."""
    remotes = configparser.ConfigParser()
    commands = []
    for number, (path, point) in enumerate(mounts):
        name = f"data{number}"
        remotes[name] = {"type": "webdav", "url": dcache.url_of(path), "vendor": "other",
                         "bearer_token": dcache.request_macaroon(path, until)}
        commands += [["mkdir", "-p", point],
                     ["rclone", "mount", "--read-only", "--daemon", "--allow-other",
                      "--config", RCLONE_CONFIG_PATH, f"{name}:", point]]
    text = io.StringIO()
    remotes.write(text)
    return {"write_files": [_secret_file(RCLONE_CONFIG_PATH, text.getvalue())], "runcmd": commands}


def render(instance) -> str:
    """The user data; with WebDAV it asks dCache for macaroons (DataMountError if it refuses)."""
    mounts = data_mounts(instance)
    data = _webdav(mounts, instance.expires_at) if settings.VISA_DATA_MOUNT_METHOD == "webdav" else _nfs(mounts)
    config = {
        "users": ["default", {"name": instance.owner.username, "shell": "/bin/bash"}],
        "mounts": data.get("mounts", []),
        "write_files": [_secret_file(VNC_PASSWORD_PATH, instance.vnc_secret), *data.get("write_files", [])],
    }
    if "runcmd" in data:
        config["runcmd"] = data["runcmd"]
    return "#cloud-config\n" + yaml.safe_dump(config, sort_keys=False)
