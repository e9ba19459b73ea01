"""The simulated cloud: servers, their lifecycle and their desktops, persisted in a JSON state file.

Every method may be called from any HTTP request thread or boot timer; one lock keeps them apart.
"""
import dataclasses
import ipaddress
import json
import logging
import os
import random
import secrets
import shutil
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from protocols.file_api import FileServer
from protocols.mount_agent import JUPYTER_TOKEN_PATH

from . import catalogue, jupyter, userdata
from .agent import MountAgent

log = logging.getLogger(__name__)

BUILD, ACTIVE, SHUTOFF, REBOOT, ERROR = "BUILD", "ACTIVE", "SHUTOFF", "REBOOT", "ERROR"


class NotFound(Exception):
    pass


class Conflict(Exception):
    """The server's state does not allow the action."""


class QuotaExceeded(Exception):
    pass


def now():
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclasses.dataclass
class Server:
    id: str
    name: str
    image_id: str
    flavor_id: str
    metadata: dict
    user_data: str | None  # base64, as Nova received it
    address: str
    status: str
    created: str
    updated: str
    launched_at: str | None = None
    fault: str | None = None
    # Its networks (names, the first one's address being its own) and security groups (names).
    networks: list = dataclasses.field(default_factory=lambda: ["devcloud-net"])
    security_groups: list = dataclasses.field(default_factory=lambda: ["default"])
    # Files the server wrote after its first boot (path -> content): its disk, kept across reboots.
    written: dict = dataclasses.field(default_factory=dict)
    # Input messages its builtin VNC server received; counted anew at each devcloud start.
    inputs: Counter = dataclasses.field(default_factory=Counter, compare=False)

    def to_state(self):
        state = dataclasses.asdict(self)
        del state["inputs"]
        return state


class Cloud:
    def __init__(self, state_path, desktops, door, vnc_port, build_seconds, quota=catalogue.QUOTA, files_port=8091):
        """`desktops` starts a server's VNC desktop: builtin or Xvnc; `door` stands in for dCache."""
        self.desktops = desktops
        self.door = door
        self.vnc_port = vnc_port
        self.files_port = files_port
        self._state_path = Path(state_path)
        # Each server's home folder, which its file API serves with the data it mounted (its disk).
        self.homes = self._state_path.with_name(self._state_path.stem + "-homes")
        self.build_seconds = build_seconds
        self.quota = quota
        self._lock = threading.RLock()
        self._running = {}  # server id -> its desktop, for servers that are powered on
        self._agents = {}  # server id -> its mount agent, for powered-on servers whose user data has one
        self._mounts = {}  # server id -> what a powered-on server has mounted: (path, point, read-only?)
        self._files = {}  # server id -> [its file API, its file token], for powered-on servers given one
        self._timers = {}  # server id -> the timer that finishes its boot
        self._notebooks = {}  # server id -> its Jupyter server, for powered-on servers whose user data starts one
        self._closed = False
        state = json.loads(self._state_path.read_text()) if self._state_path.exists() else {}
        # Addresses count up from a random loopback base, so two devclouds on one machine are unlikely to
        # hand out the same one.
        self._address_base = state.get("address_base") or f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.0"
        self._addresses_used = state.get("addresses_used", 0)
        self.token_secret = state.get("token_secret") or secrets.token_hex(32)
        self._servers = {s["id"]: Server(**s) for s in state.get("servers", [])}
        with self._lock:
            for server in self._servers.values():
                if server.status == ACTIVE:
                    self._power_on(server)
                elif server.status in (BUILD, REBOOT):
                    self._boot_later(server)
            self._save()

    def servers(self):
        """All servers, newest first as Nova lists them."""
        with self._lock:
            return sorted(self._servers.values(), key=lambda s: s.created, reverse=True)

    def get(self, server_id):
        return self._servers.get(server_id)

    def mounts(self, server_id):
        """What the server has mounted now: from its user data at boot, then as its agent says."""
        with self._lock:
            return self._mounts.get(server_id, [])

    def usage(self):
        with self._lock:
            flavours = [catalogue.flavour(s.flavor_id) for s in self._servers.values()]
        return {
            "instances": len(flavours),
            "cores": sum(f.vcpus for f in flavours),
            "ram": sum(f.ram for f in flavours),
        }

    def create(self, name, image_id, flavor_id, metadata, user_data, networks=None, security_groups=None):
        flavour = catalogue.flavour(flavor_id)
        with self._lock:
            used = self.usage()
            wanted = {"instances": 1, "cores": flavour.vcpus, "ram": flavour.ram}
            for resource, amount in wanted.items():
                if used[resource] + amount > self.quota[resource]:
                    raise QuotaExceeded(
                        f"Quota exceeded for {resource}: Requested {amount}, but already used "
                        f"{used[resource]} of {self.quota[resource]} {resource}"
                    )
            self._addresses_used += 1
            address = str(ipaddress.IPv4Address(self._address_base) + self._addresses_used)
            created = now()
            server = Server(
                str(uuid.uuid4()), name, image_id, flavor_id, metadata, user_data, address, BUILD, created, created
            )
            if networks is not None:
                server.networks = networks
            if security_groups is not None:
                server.security_groups = security_groups
            self._servers[server.id] = server
            self._boot_later(server)
            self._save()
            log.info("server %s (%s) building at %s", server.id, name, address)
            return server

    def delete(self, server_id):
        with self._lock:
            self._power_off(self._find(server_id))
            del self._servers[server_id]
            self._save()
        shutil.rmtree(self.home(server_id), ignore_errors=True)

    def home(self, server_id):
        return self.homes / server_id

    def start(self, server_id):
        with self._lock:
            server = self._in_state(server_id, "start", SHUTOFF)
            self._power_on(server)
            self._save()

    def stop(self, server_id):
        with self._lock:
            server = self._in_state(server_id, "stop", ACTIVE)
            self._power_off(server)
            self._set_status(server, SHUTOFF)
            self._save()

    def reboot(self, server_id):
        with self._lock:
            server = self._in_state(server_id, "reboot", ACTIVE)
            self._power_off(server)
            self._set_status(server, REBOOT)
            self._boot_later(server)
            self._save()

    def fail(self, server_id, message):
        """The server breaks: its desktop stops and it goes to ERROR with `message` as its fault."""
        with self._lock:
            server = self._find(server_id)
            self._power_off(server)
            self._fail(server, message)
            self._save()

    def close(self):
        """Stop every desktop; the state file keeps the servers for the next start."""
        with self._lock:
            self._closed = True  # a boot timer that already fired must not start a desktop now
            for timer in self._timers.values():
                timer.cancel()
            for agent in self._agents.values():
                agent.stop()
            for file_api, _ in self._files.values():
                file_api.shutdown()
            for desktop in self._running.values():
                desktop.close()
            self._running.clear()
            for notebook in self._notebooks.values():
                notebook.stop()
            self._notebooks.clear()
        self.desktops.close()

    def _find(self, server_id):
        try:
            return self._servers[server_id]
        except KeyError:
            raise NotFound(server_id) from None

    def _in_state(self, server_id, action, status):
        server = self._find(server_id)
        if server.status != status:
            raise Conflict(f"Cannot '{action}' instance {server_id} while it is in status {server.status}")
        return server

    def _boot_later(self, server):
        timer = threading.Timer(self.build_seconds, self._finish_boot, [server.id])
        timer.daemon = True
        self._timers[server.id] = timer
        timer.start()

    def _finish_boot(self, server_id):
        with self._lock:
            self._timers.pop(server_id, None)
            server = self._servers.get(server_id)
            if server and server.status in (BUILD, REBOOT) and not self._closed:
                self._power_on(server)
                self._save()

    def _power_on(self, server):
        """Boot: cloud-init hands the VNC password to the desktop, which listens on the server's address."""
        password = userdata.vnc_password(server.user_data, server.written)
        if password is None:
            self._fail(server, "no VNC password in user data")
            return
        mounts = userdata.mounts(server.user_data)
        try:
            self._running[server.id] = self.desktops.launch(
                server.address, self.vnc_port, password, server.name, server.inputs,
                desktop_notice(server.name, mounts, self.door),
            )
        except OSError as error:
            self._fail(server, f"VNC desktop did not start: {error}")
            return
        self._mounts[server.id] = mounts
        self._start_notebook(server, mounts)
        config = userdata.agent_config(server.user_data, server.written)
        if config:
            self._agents[server.id] = MountAgent(server.name, config, partial(self._remount, server.id),
                                                 partial(self._take_secrets, server.id))
        if config and "files_token" in config:
            self._serve_files(server, config["files_token"])
        server.launched_at = server.launched_at or now()
        self._set_status(server, ACTIVE)

    def _start_notebook(self, server, mounts):
        wanted = jupyter.wanted(server.user_data, server.written)
        if wanted is None:
            return
        port, mount_root, token = wanted
        folder = self._state_path.with_name(self._state_path.stem + "-jupyter") / server.id
        try:
            notebook = jupyter.Notebook(folder, server.address, port, mount_root, token, self.door)
        except OSError as error:  # the desktop works without it
            log.warning("server %s: JupyterLab did not start: %s", server.id, error)
            return
        notebook.show(mounts)
        self._notebooks[server.id] = notebook

    def _remount(self, server_id, agent, mounts):
        """The server's agent mounted and unmounted: the desktop shows what is there now (unless
        the answer reached an agent that was stopped meanwhile, with its boot)."""
        with self._lock:
            if self._agents.get(server_id) is not agent or self._mounts.get(server_id) == mounts:
                return
            self._mounts[server_id] = mounts
            self._running[server_id].show(desktop_notice(self._servers[server_id].name, mounts, self.door))
            if server_id in self._notebooks:
                self._notebooks[server_id].show(mounts)
            log.info("server %s mounts %s", server_id, [point for _, point, _ in mounts])

    def _take_secrets(self, server_id, agent, rotation, config):
        """The server's agent wrote a rotated VNC password and its new token, as visa's agent does."""
        with self._lock:
            if self._agents.get(server_id) is not agent:
                return
            server = self._servers[server_id]
            server.written[userdata.VNC_PASSWORD_PATH] = rotation["vnc_password"]
            server.written[userdata.AGENT_CONFIG_PATH] = json.dumps(config)
            if server_id in self._files:
                self._files[server_id][1] = rotation["files_token"]
            self._running[server_id].set_password(rotation["vnc_password"])
            if "jupyter_token" in rotation and server_id in self._notebooks:
                server.written[JUPYTER_TOKEN_PATH] = rotation["jupyter_token"]
                self._notebooks[server_id].restart(rotation["jupyter_token"])
            self._save()
            log.info("server %s took new secrets", server_id)

    def _serve_files(self, server, token):
        """The file API a VM's agent serves (protocols/file_api.py), on the server's address: its
        home folder, and for each mount the door's folder standing in for that data."""
        home = self.home(server.id)
        home.mkdir(parents=True, exist_ok=True)
        entry = [None, token]

        def roots():
            data = {os.path.basename(point): str(self.door.root / path.lstrip("/"))
                    for path, point, _ in self._mounts.get(server.id, [])}
            return {"home": str(home), "data": data}

        try:
            entry[0] = FileServer((server.address, self.files_port), lambda: entry[1], roots)
        except OSError as error:
            log.warning("server %s: no file API: %s", server.id, error)
            return
        threading.Thread(target=entry[0].serve_forever, args=(0.1,), name=f"files {server.name}", daemon=True).start()
        self._files[server.id] = entry

    def _power_off(self, server):
        agent = self._agents.pop(server.id, None)
        if agent:
            agent.stop()
        file_api = self._files.pop(server.id, [None])[0]
        if file_api:
            file_api.shutdown()
            file_api.server_close()
        self._mounts.pop(server.id, None)
        notebook = self._notebooks.pop(server.id, None)
        if notebook:
            notebook.stop()
        desktop = self._running.pop(server.id, None)
        if desktop:
            desktop.close()

    def _fail(self, server, message):
        log.warning("server %s: %s", server.id, message)
        server.fault = message
        self._set_status(server, ERROR)

    @staticmethod
    def _set_status(server, status):
        server.status = status
        server.updated = now()

    def _save(self):
        state = {
            "address_base": self._address_base,
            "addresses_used": self._addresses_used,
            "token_secret": self.token_secret,
            "servers": [s.to_state() for s in self._servers.values()],
        }
        self._state_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._state_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(state, indent=1))
        os.replace(temporary, self._state_path)  # a crash never leaves half a state file


def desktop_notice(name, mounts, door):
    """What the desktop shows its user: which server this is, the data it mounted and a few of
    the files there (from the door's local folder)."""
    lines = [f"devcloud {name}", ""]
    for path, point, read_only in mounts:
        lines.append(f"{point}  ({'read-only' if read_only else 'WRITABLE'})  from {path}")
        lines += [f"    {name}" for name in door.listing(path)]
    return "\n".join(lines if len(lines) > 2 else lines + ["No data mounted."])
