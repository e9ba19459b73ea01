"""cloud-init user data for an instance: its data mounts (read-only), the mount agent that keeps
them current while it runs (and serves the VM's file API), the owner's account (their facility
identity when known), the VNC secret and, for images that offer it, JupyterLab."""
import configparser
import io
import json
from pathlib import Path

import yaml
from django.conf import settings
from django.urls import reverse

import protocols
from protocols.mount_agent import CONFIG_PATH as AGENT_CONFIG_PATH
from protocols.mount_agent import JUPYTER_TOKEN_PATH, VNC_PASSWORD_PATH

from . import mounts, vmsecrets

RCLONE_CONFIG_PATH = "/etc/visa/rclone.conf"
# Whom the desktop session and Jupyter run as: the image's services read it (JSON: name, and with
# a facility identity uid, gid, group, groups, home).
ACCOUNT_PATH = "/etc/visa/account.json"
AGENT_PATH = "/usr/local/sbin/visa-agent"
FILE_API_DIR = "/usr/local/lib/visa"  # the agent imports file_api.py from here (PYTHONPATH in its unit)
AGENT_UNIT_PATH = "/etc/systemd/system/visa-agent.service"
AGENT_UNIT = f"""[Unit]
Description=visa mount agent: mounts the data attached to this desktop, serves its files to visa
Wants=network-online.target
After=network-online.target

[Service]
Environment=PYTHONPATH={FILE_API_DIR}
ExecStart=/usr/bin/python3 {AGENT_PATH}
Restart=always
RestartSec=10

[Install]
WantedBy=multi-user.target
"""


JUPYTER_UNIT_PATH = "/etc/systemd/system/visa-jupyter.service"
# JupyterLab as the desktop's user, in the data's root (the mounts in its file browser), on every
# address (visa's proxy connects from outside the VM), with the token from the VM's secrets handed
# over by systemd (the file stays root's, 0600). The image brings jupyterlab.
JUPYTER_UNIT = """[Unit]
Description=JupyterLab for visa (reached through visa's proxy, with the token in {token_path})
After=network-online.target visa-agent.service

[Service]
User={user}
WorkingDirectory=~
LoadCredential=jupyter-token:{token_path}
Environment=JUPYTER_TOKEN_FILE=%d/jupyter-token
ExecStart=/usr/bin/env jupyter lab --no-browser --ip=0.0.0.0 --port={port} --ServerApp.root_dir={root} \\
 --ServerApp.allow_remote_access=True --ServerApp.preferred_dir={root}
Restart=always
RestartSec=5

[Install]
WantedBy=multi-user.target
"""


def _file(path, content, permissions="0600"):
    return {"path": path, "content": content, "permissions": permissions, "owner": "root:root"}


def _nfs(entries):
    return {"mounts": [[m["source"], m["point"], "nfs4", m["options"], "0", "0"] for m in entries]}


def _webdav(entries):
    """rclone mounts of dCache's WebDAV door, each with its own read-only macaroon."""
    remotes = configparser.ConfigParser()
    commands = []
    for number, mount in enumerate(entries):
        name = f"data{number}"
        remotes[name] = {"type": "webdav", "url": mount["url"], "vendor": "other",
                         "bearer_token": mount["bearer_token"]}
        commands += [["mkdir", "-p", mount["point"]],
                     ["rclone", "mount", "--read-only", "--daemon", "--allow-other",
                      "--config", RCLONE_CONFIG_PATH, f"{name}:", mount["point"]]]
    text = io.StringIO()
    remotes.write(text)
    return {"write_files": [_file(RCLONE_CONFIG_PATH, text.getvalue())], "runcmd": commands}


def _agent(instance):
    """The mount agent (protocols/mount_agent.py), its settings with the instance's token, and its unit."""
    config = {
        "url": settings.VISA_AGENT_URL.rstrip("/") + reverse("agent-mounts"),
        "token": vmsecrets.token_of(instance),
        "root": settings.VISA_DATA_MOUNT_ROOT,
        "interval": settings.VISA_AGENT_POLL_SECONDS,
        "files_token": vmsecrets.files_token_of(instance),
        "files_port": settings.VISA_FILES_PORT,
        "home": f"/home/{instance.owner.username}",  # cloud-init's default for the user it makes
    }
    code = Path(protocols.__file__).parent
    return {
        "write_files": [_file(AGENT_CONFIG_PATH, json.dumps(config)),
                        _file(AGENT_PATH, (code / "mount_agent.py").read_text(), "0755"),
                        _file(f"{FILE_API_DIR}/file_api.py", (code / "file_api.py").read_text(), "0644"),
                        _file(AGENT_UNIT_PATH, AGENT_UNIT, "0644")],
        "runcmd": [["systemctl", "enable", "--now", "visa-agent.service"]],
    }


def facility_identity(user):
    """The user's FacilityAccount if it says who they are on the facility's computers, else None."""
    account = getattr(user, "facility_account", None)
    return account if account is not None and account.has_identity else None


def _account(owner):
    """The owner's account, which the desktop session (and Jupyter) run as: their facility
    identity when known (login, uid, primary group and gid, secondary groups, home directory,
    mounted over NFS when VISA_HOME_NFS_SERVER is set), else a local account named as in visa.
    Groups with a fixed gid are made by `bootcmd`, which runs before cloud-init makes users."""
    account = facility_identity(owner)
    if account is None:
        user = {"name": owner.username, "shell": "/bin/bash"}
        return {"users": user, "about": {"name": owner.username}}
    group = account.group or account.login
    home = account.home or f"/home/{account.login}"
    named = [entry.partition(":") for entry in account.groups]
    fixed = ([(group, str(account.gid))] if account.gid else []) + [(name, gid) for name, _, gid in named if gid]
    user = {"name": account.login, "uid": account.uid, "primary_group": group,
            **({"groups": [name for name, _, _ in named]} if named else {}),
            "homedir": home, "shell": "/bin/bash"}
    nfs = settings.VISA_HOME_NFS_SERVER
    if nfs:
        user["no_create_home"] = True  # the facility's home, mounted before cloud-init makes users
    return {
        "users": user,
        "bootcmd": [["groupadd", "-f", "-g", gid, name] for name, gid in fixed],
        "groups": [name for name, _, gid in named if not gid],
        "mounts": [[f"{nfs}:{home}", home, "nfs4", settings.VISA_HOME_NFS_OPTIONS, "0", "0"]] if nfs else [],
        "about": {"name": account.login, "uid": account.uid, "gid": account.gid, "group": group,
                  "groups": [name for name, _, _ in named], "home": home},
    }


def _jupyter(instance, user_name):
    """JupyterLab as a service, as the owner's account, for an image that offers it; its token is
    the instance's (vmsecrets)."""
    if not instance.image.has_jupyter:
        return {"write_files": [], "runcmd": []}
    unit = JUPYTER_UNIT.format(user=user_name, port=instance.image.jupyter_port,
                               root=settings.VISA_DATA_MOUNT_ROOT, token_path=JUPYTER_TOKEN_PATH)
    return {"write_files": [_file(JUPYTER_TOKEN_PATH, vmsecrets.jupyter_token(instance)),
                            _file(JUPYTER_UNIT_PATH, unit, "0644")],
            "runcmd": [["mkdir", "-p", settings.VISA_DATA_MOUNT_ROOT],
                       ["systemctl", "enable", "--now", "visa-jupyter.service"]]}


def render(instance) -> str:
    """The user data; with WebDAV it asks dCache for macaroons (DataMountError if it refuses)."""
    wanted = mounts.how_to_mount(instance, mounts.data_mounts(instance))
    data = _webdav(wanted) if settings.VISA_DATA_MOUNT_METHOD == "webdav" else _nfs(wanted)
    runs = _agent(instance)
    account = _account(instance.owner)
    notebooks = _jupyter(instance, account["about"]["name"])
    config = {
        **({"bootcmd": account["bootcmd"]} if account.get("bootcmd") else {}),
        **({"groups": account["groups"]} if account.get("groups") else {}),
        "users": ["default", account["users"]],
        "mounts": [*account.get("mounts", []), *data.get("mounts", [])],
        "write_files": [_file(VNC_PASSWORD_PATH, instance.vnc_secret), *data.get("write_files", []),
                        _file(ACCOUNT_PATH, json.dumps(account["about"]), "0644"), *runs["write_files"],
                        *notebooks["write_files"]],
        # the boot's mounts first, then the agent, which finds them mounted
        "runcmd": [*data.get("runcmd", []), *runs["runcmd"], *notebooks["runcmd"]],
    }
    # libyaml's dumper: the pure-Python one took 13 ms of a launch's CPU for the same text
    return "#cloud-config\n" + yaml.dump(config, Dumper=yaml.CSafeDumper, sort_keys=False)
