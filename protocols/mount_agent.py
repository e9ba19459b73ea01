#!/usr/bin/env python3
"""visa's mount agent. It runs inside each VM, not in visa: cloud-init writes this file to the
VM (instances/cloud/cloudinit.py) with a systemd unit that keeps it running.

Every few seconds it asks visa which experiments' data this VM should have mounted, now
(GET <url> with the instance's agent token), and makes it so: it mounts what is new and
unmounts what is gone, such as data attached to a running desktop or data the owner may no
longer read. When visa cannot be reached or refuses, it keeps what is mounted. When visa rotates
the VM's secrets, the answer carries a new VNC password and a new token: the agent writes both,
then asks again with the new token, which tells visa they were taken.
It also serves the VM's file API (file_api.py, installed beside it) to visa, with the file token
from its settings, over the desktop user's home folder and the data it mounted.
Standard library only: it runs on the image's python3, which cloud-init itself needs.
"""
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

if __package__:  # imported in visa or devcloud
    from . import file_api
else:  # run as a program in the VM, where cloud-init put file_api.py on its PYTHONPATH
    import file_api

# url, token, root (of the mount points), interval (seconds); files_token, files_port and home for the file API
CONFIG_PATH = "/etc/visa/agent.json"
# The image's VNC service reads the password from this file's first line; after a rotation it must
# take the new one (a systemd path unit on the file, or a server that reads it at each login).
VNC_PASSWORD_PATH = "/etc/visa/vnc-password"
JUPYTER_TOKEN_PATH = "/etc/visa/jupyter-token"  # JupyterLab's (visa-jupyter.service), for images that offer it
RCLONE_CONFIGS = "/etc/visa/rclone.d"


class Refused(Exception):
    """visa answered with an error: a wrong token (401), an instance that is gone (403), ..."""


def fetch(config, etag=None):
    """(etag, answer) from visa, or None when nothing changed since `etag`. The answer's "mounts"
    are dicts: path (on dCache), point, and how to mount it (type nfs4: source and options; type
    webdav: url and bearer_token, a read-only macaroon); its "rotate", when present, has the new
    "vnc_password" and "token" to take."""
    headers = {"Authorization": f"Bearer {config['token']}", "Accept": "application/json"}
    if etag:
        headers["If-None-Match"] = etag
    request = urllib.request.Request(config["url"], headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.headers.get("ETag"), json.load(answer)
    except urllib.error.HTTPError as error:
        if error.code == 304:
            return None
        raise Refused(f"visa answered {error.code}: {error.read(500).decode(errors='replace')}") from None


def mounted(root):
    """The mount points under `root` that are mounted now."""
    with open("/proc/mounts") as table:
        points = [line.split()[1].replace("\\040", " ") for line in table]
    return {point for point in points if point.startswith(root.rstrip("/") + "/")}


def mount(entry):
    os.makedirs(entry["point"], exist_ok=True)
    if entry["type"] == "nfs4":
        command = ["mount", "-t", "nfs4", "-o", entry["options"], entry["source"], entry["point"]]
    else:  # webdav: rclone, with the macaroon in a file only root reads
        os.makedirs(RCLONE_CONFIGS, mode=0o700, exist_ok=True)
        config = _rclone_config(entry["point"])
        descriptor = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(f"[data]\ntype = webdav\nvendor = other\nurl = {entry['url']}\n"
                       f"bearer_token = {entry['bearer_token']}\n")
        command = ["rclone", "mount", "--read-only", "--daemon", "--allow-other", "--config", config,
                   "data:", entry["point"]]
    subprocess.run(command, check=True)


def apply(mounts, root):
    """Mount what is wanted and not mounted; unmount what is mounted under `root` and not wanted.
    Returns the mount points there are now."""
    wanted = {entry["point"]: entry for entry in mounts if entry["point"].startswith(root.rstrip("/") + "/")}
    current = mounted(root)
    for point, entry in wanted.items():
        if point not in current:
            mount(entry)
            print(f"mounted {entry['path']} at {point}", flush=True)
    for point in current - wanted.keys():
        # lazily: a program that has a file open there keeps it; nothing new can be opened
        subprocess.run(["umount", "--lazy", point], check=True)
        Path(_rclone_config(point)).unlink(missing_ok=True)  # its macaroon, if it was WebDAV
        print(f"unmounted {point}", flush=True)
    return set(wanted)


def write_secret(path, content):
    """Replace the file at `path` whole (root's only), so no reader ever sees half a secret."""
    draft = f"{path}.new"
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(content)
    os.replace(draft, path)


def take_secrets(config, rotation):
    """Write the rotated VNC password (and Jupyter token), then the new token; the config is the
    agent's own from now on."""
    write_secret(VNC_PASSWORD_PATH, rotation["vnc_password"])
    if "jupyter_token" in rotation and os.path.exists(JUPYTER_TOKEN_PATH):
        write_secret(JUPYTER_TOKEN_PATH, rotation["jupyter_token"])
        # JupyterLab reads its token at start; kernels go on, visa's proxy tries both tokens meanwhile
        subprocess.run(["systemctl", "try-restart", "visa-jupyter.service"], check=False)
    config["token"] = rotation["token"]
    config["files_token"] = rotation["files_token"]  # the file server reads it from `config` at each request
    write_secret(CONFIG_PATH, json.dumps(config))


def _rclone_config(point):
    return os.path.join(RCLONE_CONFIGS, os.path.basename(point) + ".conf")


def serve_files(config):
    """The file API on the VM's network, in a thread of its own, over the home folder and the mounts."""
    def roots():
        return {"home": config["home"], "data": {os.path.basename(point): point for point in mounted(config["root"])}}

    server = file_api.FileServer(("", config["files_port"]), lambda: config["files_token"], roots)
    threading.Thread(target=server.serve_forever, name="file API", daemon=True).start()


def main():
    with open(CONFIG_PATH) as file:
        config = json.load(file)
    serve_files(config)
    etag, applied = None, set()
    while True:
        try:
            if mounted(config["root"]) != applied:  # a mount went away (rclone ended, an admin): ask anew
                etag = None
            answer = fetch(config, etag)
            if answer is not None:
                applied = apply(answer[1]["mounts"], config["root"])
                etag = answer[0]  # only once applied: a failed mount is tried again next time
                if "rotate" in answer[1]:
                    take_secrets(config, answer[1]["rotate"])
                    etag = None
                    continue  # at once: asking with the new token tells visa it was taken
        except (OSError, ValueError, KeyError, Refused, subprocess.CalledProcessError) as error:
            print(f"visa-agent: {error}", file=sys.stderr, flush=True)
        time.sleep(config["interval"])


if __name__ == "__main__":
    main()
