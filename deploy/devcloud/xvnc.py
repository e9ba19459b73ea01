"""Desktops served by TigerVNC's Xvnc: a real X server and VNC server for each running VM."""
import logging
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)

STARTUP_SECONDS = 10
BACKGROUND = "#2b5b84"


def available():
    return shutil.which("Xvnc") is not None and shutil.which("vncpasswd") is not None


class XvncDesktops:
    """Starts Xvnc desktops; owns the directory holding their password files and logs."""

    name = "xvnc"

    def __init__(self):
        self._directory = Path(tempfile.mkdtemp(prefix="devcloud-xvnc-"))

    def launch(self, address, port, password, title, inputs, notice):
        """Start Xvnc at (address, port). `inputs` is not counted: Xvnc keeps its input to itself."""
        return XvncDesktop(self._directory / address, address, port, password, title, notice)

    def close(self):
        shutil.rmtree(self._directory, ignore_errors=True)


class XvncDesktop:
    def __init__(self, files, address, port, password, title, notice):
        self._files = files
        self._clients = []
        files.mkdir(exist_ok=True)
        password_file = files / "passwd"
        self.set_password(password)
        # Xvnc picks a free display itself and writes its number to this pipe once clients can connect.
        ready, ready_writer = os.pipe()
        with open(files / "Xvnc.log", "wb") as output:
            command = [
                "Xvnc", "-displayfd", str(ready_writer), "-nolisten", "tcp",
                "-interface", address, "-rfbport", str(port),
                "-SecurityTypes", "VncAuth", "-PasswordFile", str(password_file),
                "-geometry", "1024x768", "-depth", "24", "-desktop", f"devcloud {title}",
                # All clients (proxy, tests) come from one host; the default blacklist would lock them out.
                "-UseBlacklist=0",
            ]
            self._xvnc = subprocess.Popen(command, pass_fds=(ready_writer,), stdout=output, stderr=output)
        os.close(ready_writer)
        try:
            display = self._read_display(ready)
        except OSError:
            self.close()
            raise
        finally:
            os.close(ready)
        self._display = display
        self._clients = self._start_clients(display, notice)
        log.info("Xvnc :%s serving %s:%s", display, address, port)

    def _read_display(self, ready):
        """The display number, which Xvnc writes as a line once X clients can connect."""
        received = b""
        deadline = time.monotonic() + STARTUP_SECONDS
        while not received.endswith(b"\n"):
            # Read the whole line: Xvnc exits if the pipe closes before it has written the newline.
            if not select.select([ready], [], [], max(0, deadline - time.monotonic()))[0]:
                raise OSError(f"Xvnc did not start in {STARTUP_SECONDS}s: {self._log_tail()}")
            chunk = os.read(ready, 32)
            if not chunk:
                raise OSError(f"Xvnc failed: {self._log_tail()}")
            received += chunk
        return received.decode().strip()

    def _log_tail(self):
        return " / ".join((self._files / "Xvnc.log").read_text(errors="replace").strip().splitlines()[-3:])

    @staticmethod
    def _start_clients(display, notice):
        """Something to look at: a coloured background and a window with the server's notice."""
        env = {**os.environ, "DISPLAY": f":{display}"}
        if shutil.which("xsetroot"):
            subprocess.run(["xsetroot", "-solid", BACKGROUND], env=env, check=False)
        if shutil.which("xmessage"):
            return [subprocess.Popen(["xmessage", "-center", notice], env=env)]
        return []

    def set_password(self, password):
        """Write the password file, which Xvnc reads at each client's authentication."""
        vncpasswd = subprocess.run(["vncpasswd", "-f"], input=password.encode(), capture_output=True, check=True)
        draft = self._files / "passwd.new"
        draft.touch(mode=0o600)
        draft.write_bytes(vncpasswd.stdout)
        draft.replace(self._files / "passwd")  # whole: Xvnc may be reading it for another client

    def show(self, notice):
        """Show a new notice (the server's mounts changed) in place of the old one."""
        self._stop(self._clients)
        self._clients = self._start_clients(self._display, notice)

    def close(self):
        self._stop([*self._clients, self._xvnc])
        shutil.rmtree(self._files, ignore_errors=True)

    @staticmethod
    def _stop(processes):
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
