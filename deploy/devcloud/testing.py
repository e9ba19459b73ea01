"""Running devcloud from tests: a real process on a free port, driven over HTTP.

    cloud = start_devcloud(tmp_path, build_seconds=0.1)
    conn = cloud.connect()              # openstacksdk Connection
    conn.compute.create_server(..., user_data=vnc_user_data("secret"))
    cloud.servers()                     # devcloud's own view: addresses, user data, input counts
    cloud.faults(error_rate=0.3)       # break it at run time (see deploy/devcloud/faults.py)
    cloud.break_server(id); cloud.vanish(id); cloud.faults(error_rate=0)
    cloud.restart(); cloud.stop()
"""
import base64
import json
import re
import select
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import openstack

REPO = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 15
DEFAULTS = {
    "port": 0,  # any free port; a restart keeps the one it got
    "build_seconds": 0.1,
    "vnc": "builtin",  # the one that counts input messages
    "username": "visa",
    "password": "devcloud",
    "project": "visa",
}


def start_devcloud(directory, **options):
    """Start devcloud with its state and log in `directory`; options are its command-line options."""
    cloud = DevCloud(directory, **options)
    cloud.start()
    return cloud


def vnc_user_data(password):
    """Base64 cloud-config that gives a devcloud server its VNC password, as visa's user data does."""
    config = f"#cloud-config\nwrite_files:\n  - path: /etc/visa/vnc-password\n    content: {json.dumps(password)}\n"
    return base64.b64encode(config.encode()).decode()


def listening(address, port=5900):
    """Whether something accepts TCP connections at (address, port), e.g. a server's VNC desktop."""
    try:
        socket.create_connection((address, port), timeout=1).close()
        return True
    except OSError:
        return False


class DevCloud:
    def __init__(self, directory, **options):
        self.directory = Path(directory)
        self.options = {**DEFAULTS, **options}
        self.auth_url = self.url = None
        self._process = None

    def start(self):
        command = [sys.executable, "-m", "deploy.devcloud", "--state", str(self.directory / "devcloud.json")]
        for name, value in self.options.items():
            command += [f"--{name.replace('_', '-')}", str(value)]
        with open(self.directory / "devcloud.log", "ab") as log:
            self._process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=log)
        ready = select.select([self._process.stdout], [], [], STARTUP_SECONDS)[0]
        match = ready and re.search(rb"(http://\S+):(\d+)/v3", self._process.stdout.readline())
        if not match:
            self.stop()
            raise RuntimeError(f"devcloud did not start; see {self.directory / 'devcloud.log'}")
        self.url = f"{match[1].decode()}:{match[2].decode()}"
        self.auth_url = self.url + "/v3"
        self.options["port"] = int(match[2])  # a restart keeps the address clients know

    def stop(self):
        """Stop it the way an operator would, with SIGTERM."""
        self._process.terminate()
        self._process.wait(timeout=10)
        self._process.stdout.close()

    def restart(self):
        self.stop()
        self.start()

    @property
    def connect_kwargs(self):
        """What openstack.connect needs to talk to this devcloud."""
        return {
            "auth_url": self.auth_url,
            "username": self.options["username"],
            "password": self.options["password"],
            "project_name": self.options["project"],
            "user_domain_name": "Default",
            "project_domain_name": "Default",
            "region_name": "RegionOne",
        }

    def connect(self):
        # Ignore clouds.yaml and OS_* variables of whoever runs the tests.
        return openstack.connect(load_yaml_config=False, load_envvars=False, **self.connect_kwargs)

    def servers(self):
        """Every server as devcloud sees it (GET /devcloud/servers)."""
        with urllib.request.urlopen(self.url + "/devcloud/servers", timeout=10) as response:
            return json.load(response)["servers"]

    def server(self, server_id):
        return next(s for s in self.servers() if s["id"] == server_id)

    def _post(self, path, body=None):
        request = urllib.request.Request(self.url + path, json.dumps(body or {}).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response) if response.status == 200 else None

    def faults(self, **faults):
        """Change the faults: error_rate (share of calls answered 500), delay (s), hang (no answers)."""
        return self._post("/devcloud/faults", faults)

    def clear_faults(self):
        return self.faults(error_rate=0, delay=0, hang=False)

    def break_server(self, server_id, message="devcloud: injected failure"):
        """The server goes to ERROR with `message` as its fault."""
        self._post(f"/devcloud/servers/{server_id}/error", {"message": message})

    def vanish(self, server_id):
        """The server disappears, as if deleted behind visa's back."""
        self._post(f"/devcloud/servers/{server_id}/vanish")
