"""Reading cloud-init user data the way a booting visa image would."""
import base64
import binascii
import configparser
import json
from urllib.parse import urlsplit

import yaml

from protocols.mount_agent import CONFIG_PATH as AGENT_CONFIG_PATH
from protocols.mount_agent import VNC_PASSWORD_PATH

RCLONE_CONFIG_PATH = "/etc/visa/rclone.conf"


def decode(user_data):
    """The text of base64 user data (as Nova receives it), or None if there is none or it is not base64."""
    if not user_data:
        return None
    try:
        return base64.b64decode(user_data, validate=True).decode("utf-8", errors="replace")
    except binascii.Error:
        return None


def cloud_config(user_data):
    """The cloud-config mapping in base64 user data, or {} if there is none."""
    text = decode(user_data)
    # cloud-init only treats user data as cloud-config when it starts with this header.
    if not text or not text.startswith("#cloud-config"):
        return {}
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError:
        return {}
    return config if isinstance(config, dict) else {}


def mounts(user_data):
    """(data path, mount point, read-only?) of each filesystem the cloud-config mounts: NFS
    entries under `mounts`, and rclone WebDAV mounts run from `runcmd` with their remotes
    in a config file it writes."""
    config = cloud_config(user_data)
    found = [
        (str(entry[0]).partition(":")[2], str(entry[1]), "ro" in str(entry[3] if len(entry) > 3 else "").split(","))
        for entry in config.get("mounts") or []
        if isinstance(entry, list) and len(entry) >= 2
    ]
    remotes = configparser.ConfigParser()
    for entry in config.get("write_files") or []:
        if isinstance(entry, dict) and entry.get("path") == RCLONE_CONFIG_PATH:
            remotes.read_string(str(entry.get("content", "")))
    for command in config.get("runcmd") or []:
        if isinstance(command, list) and command[:2] == ["rclone", "mount"] and len(command) >= 4:
            remote, point = str(command[-2]).rstrip(":"), str(command[-1])
            if remotes.has_section(remote):
                path = urlsplit(remotes[remote].get("url", "")).path.removeprefix("/dcache")
                found.append((path, point, "--read-only" in command))
    return found


def file(user_data, path, written=None):
    """The content of the file at `path`: as the server last wrote it (`written`, its disk), else
    as the cloud-config wrote it at first boot; or None."""
    if written and path in written:
        return written[path]
    for entry in cloud_config(user_data).get("write_files") or []:
        if isinstance(entry, dict) and entry.get("path") == path:
            return str(entry.get("content", ""))
    return None


def agent_config(user_data, written=None):
    """The mount agent's settings (url, token, root, interval) on the server's disk, or None."""
    try:
        config = json.loads(file(user_data, AGENT_CONFIG_PATH, written) or "null")
    except ValueError:
        return None
    return config if isinstance(config, dict) and {"url", "token"} <= config.keys() else None


def vnc_password(user_data, written=None):
    """The VNC password in VNC_PASSWORD_PATH on the server's disk, or None."""
    # The image's VNC service reads the file's first line, so a trailing newline is not part of it.
    lines = (file(user_data, VNC_PASSWORD_PATH, written) or "").splitlines()
    return lines[0] if lines and lines[0] else None


def account(user_data):
    """The account cloud-init makes for the user (the first `users` entry but "default"): name,
    uid, primary group and its gid (made by a `groupadd -g` in `bootcmd`), groups and home; or None."""
    config = cloud_config(user_data)
    users = [u for u in config.get("users") or [] if isinstance(u, dict) and u.get("name")]
    if not users:
        return None
    user = users[0]
    gids = {str(c[-1]): str(c[c.index("-g") + 1]) for c in config.get("bootcmd") or []
            if isinstance(c, list) and c[:1] == ["groupadd"] and "-g" in c[:-2]}
    group = user.get("primary_group") or user["name"]
    groups = user.get("groups") or []
    return {
        "name": str(user["name"]),
        "uid": user.get("uid"),
        "group": group,
        "gid": int(gids[group]) if gids.get(group, "").isdigit() else None,
        "groups": [g.strip() for g in groups.split(",")] if isinstance(groups, str) else list(groups),
        "home": user.get("homedir") or f"/home/{user['name']}",
    }
