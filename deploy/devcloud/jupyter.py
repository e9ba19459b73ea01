"""A real Jupyter server for each devcloud server whose user data starts one (visa's cloud-init
for an image that offers JupyterLab): `jupyter lab` from this Python, on the server's own loopback
address and the port its unit names, asking for the token the user data wrote, its root a folder
of this machine where the server's data mounts are links into the door's local folder (what a VM
shows under its mount root). Started lazily: at boot the server's address and port only listen,
and the first connection (which is closed) starts JupyterLab there, so servers nobody opens a
notebook on cost nothing; visa's proxy answers "starting" until it listens."""
import contextlib
import logging
import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

from protocols.mount_agent import JUPYTER_TOKEN_PATH

from . import userdata

log = logging.getLogger(__name__)
UNIT_PATH = "/etc/systemd/system/visa-jupyter.service"


def wanted(user_data, written=None):
    """(port, mount root, token) of the JupyterLab the user data starts, or None."""
    unit = userdata.file(user_data, UNIT_PATH) or ""
    port, root = re.search(r"--port=(\d+)", unit), re.search(r"--ServerApp\.root_dir=(\S+)", unit)
    token = (userdata.file(user_data, JUPYTER_TOKEN_PATH, written) or "").strip()
    if not (port and root and token):
        return None
    return int(port[1]), root[1], token


class Notebook:
    """One server's Jupyter server, its folder and its links to the data."""

    def __init__(self, folder, address, port, mount_root, token, door):
        self.folder, self.mount_root, self.door = Path(folder), mount_root, door
        self.root = self.folder / "root"
        self.root.mkdir(parents=True, exist_ok=True)
        self.address, self.port, self.token = address, port, token
        self.process = None
        self._lock = threading.Lock()
        self._listener = socket.create_server((address, port))
        threading.Thread(target=self._start_when_asked, args=[self._listener], daemon=True,
                         name=f"jupyter {address}").start()

    def _start_when_asked(self, listener):
        try:
            connection, _ = listener.accept()
        except OSError:  # stopped before anyone asked
            return
        connection.close()
        with self._lock:
            if self._listener is listener:
                listener.close()
                self._listener = None
                self._start()

    def _start(self):
        # Its own Jupyter configuration and runtime folders: nothing of this machine's user leaks in.
        env = {**os.environ, "JUPYTER_TOKEN": self.token, "JUPYTER_CONFIG_DIR": str(self.folder / "config"),
               "JUPYTER_DATA_DIR": str(self.folder / "data"), "JUPYTER_RUNTIME_DIR": str(self.folder / "runtime"),
               "IPYTHONDIR": str(self.folder / "ipython"), "HOME": str(self.folder / "home")}
        log_file = open(self.folder / "jupyter.log", "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", f"--ip={self.address}", f"--port={self.port}",
             "--port-retries=0", f"--ServerApp.root_dir={self.root}", "--ServerApp.allow_remote_access=True",
             # nothing from the network: no news, update checks or extension installs
             "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
             "--LabApp.extension_manager=readonly", *(["--allow-root"] if os.geteuid() == 0 else [])],
            cwd=self.root, env=env, stdout=log_file, stderr=subprocess.STDOUT, process_group=0)
        log_file.close()
        log.info("JupyterLab on http://%s:%s (pid %s)", self.address, self.port, self.process.pid)

    def show(self, mounts):
        """Make the server's mounts visible in the file browser: each mount point under the mount
        root, as a link to the door's local folder for its data path."""
        for link in self.root.rglob("*"):
            if link.is_symlink():
                link.unlink()
        for path, point, _ in mounts:
            relative = os.path.relpath(point, self.mount_root)
            if relative.startswith(".."):
                continue
            link = self.root / relative
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(self.door.folder(path), target_is_directory=True)

    def restart(self, token):
        """A new token (rotated): a running JupyterLab starts again with it, as the VM's service does."""
        with self._lock:
            self.token = token
            if self.process is not None:
                self._stop()
                self._start()

    def stop(self):
        with self._lock:
            if self._listener is not None:
                with contextlib.suppress(OSError):
                    self._listener.shutdown(socket.SHUT_RDWR)  # wakes its accept()
                self._listener.close()
                self._listener = None
            self._stop()

    def _stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()
