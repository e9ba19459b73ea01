"""cloud-init user data for an instance: its data mounts (read-only), the mount agent that keeps
them current while it runs, the owner and the VNC secret."""
import configparser
import io
import json
from pathlib import Path

import yaml
from django.conf import settings
from django.urls import reverse

from openaccess.policy import can_read

from . import agent, dcache

VNC_PASSWORD_PATH = "/etc/visa/vnc-password"
RCLONE_CONFIG_PATH = "/etc/visa/rclone.conf"
READ_ONLY_NFS_OPTIONS = "ro,nfsvers=4.1,nosuid,nodev,noexec,_netdev"
AGENT_PATH = "/usr/local/sbin/visa-agent"
AGENT_CONFIG_PATH = "/etc/visa/agent.json"
AGENT_UNIT_PATH = "/etc/systemd/system/visa-agent.service"
AGENT_UNIT = f"""[Unit]
Description=visa mount agent: mounts the data attached to this desktop
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=/usr/bin/python3 {AGENT_PATH}
Restart=always
RestartSec=10

[Install]
WantedBy=multi-user.target
"""


def mount_point(experiment):
    return f"{settings.VISA_DATA_MOUNT_ROOT}/{experiment.proposal_id}"


def mounted_experiments(instance):
    """The attached experiments that the owner may read now: data whose embargo came back, or
    whose membership ended, is not mounted (again)."""
    return [e for e in instance.experiments.order_by("proposal_id") if can_read(instance.owner, e)]


def data_mounts(instance):
    """(dCache path, mount point) for each experiment the instance mounts."""
    return [(experiment.data_path, mount_point(experiment)) for experiment in mounted_experiments(instance)]


def how_to_mount(instance, mounts):
    """For each (path, point): what a VM needs to mount it read-only by the facility's method, NFS
    (source, options) or WebDAV (url and a macaroon for that path alone, expiring with the
    instance: DataMountError if the door refuses)."""
    if settings.VISA_DATA_MOUNT_METHOD == "webdav":
        return [{"path": path, "point": point, "type": "webdav", "url": dcache.url_of(path),
                 "bearer_token": dcache.request_macaroon(path, instance.expires_at)} for path, point in mounts]
    return [{"path": path, "point": point, "type": "nfs4", "source": f"{settings.VISA_DCACHE_NFS_SERVER}:{path}",
             "options": READ_ONLY_NFS_OPTIONS} for path, point in mounts]


def _file(path, content, permissions="0600"):
    return {"path": path, "content": content, "permissions": permissions, "owner": "root:root"}


def _nfs(mounts):
    return {"mounts": [[m["source"], m["point"], "nfs4", m["options"], "0", "0"] for m in mounts]}


def _webdav(mounts):
    """rclone mounts of dCache's WebDAV door, each with its own read-only macaroon."""
    remotes = configparser.ConfigParser()
    commands = []
    for number, mount in enumerate(mounts):
        name = f"data{number}"
        remotes[name] = {"type": "webdav", "url": mount["url"], "vendor": "other", "bearer_token": mount["bearer_token"]}
        commands += [["mkdir", "-p", mount["point"]],
                     ["rclone", "mount", "--read-only", "--daemon", "--allow-other",
                      "--config", RCLONE_CONFIG_PATH, f"{name}:", mount["point"]]]
    text = io.StringIO()
    remotes.write(text)
    return {"write_files": [_file(RCLONE_CONFIG_PATH, text.getvalue())], "runcmd": commands}


def _agent(instance):
    """The mount agent (instances/vm_agent.py), its settings with the instance's token, and its unit."""
    config = {
        "url": settings.VISA_AGENT_URL.rstrip("/") + reverse("agent-mounts"),
        "token": agent.token_of(instance.uuid),
        "root": settings.VISA_DATA_MOUNT_ROOT,
        "interval": settings.VISA_AGENT_POLL_SECONDS,
    }
    return {
        "write_files": [_file(AGENT_CONFIG_PATH, json.dumps(config)),
                        _file(AGENT_PATH, (Path(__file__).parent / "vm_agent.py").read_text(), "0755"),
                        _file(AGENT_UNIT_PATH, AGENT_UNIT, "0644")],
        "runcmd": [["systemctl", "enable", "--now", "visa-agent.service"]],
    }


def render(instance) -> str:
    """The user data; with WebDAV it asks dCache for macaroons (DataMountError if it refuses)."""
    mounts = how_to_mount(instance, data_mounts(instance))
    data = _webdav(mounts) if settings.VISA_DATA_MOUNT_METHOD == "webdav" else _nfs(mounts)
    runs = _agent(instance)
    config = {
        "users": ["default", {"name": instance.owner.username, "shell": "/bin/bash"}],
        "mounts": data.get("mounts", []),
        "write_files": [_file(VNC_PASSWORD_PATH, instance.vnc_secret), *data.get("write_files", []),
                        *runs["write_files"]],
        # the boot's mounts first, then the agent, which finds them mounted
        "runcmd": [*data.get("runcmd", []), *runs["runcmd"]],
    }
    return "#cloud-config\n" + yaml.safe_dump(config, sort_keys=False)
