"""The proxy benchmark's paths (tests/benchmarks/proxy.py): devcloud with one server whose VNC
desktop is the source, and every relay in its own process: a raw asyncio relay, websockify and
visa's desktop proxy."""
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

from deploy.devcloud import catalogue
from deploy.devcloud.testing import listening, start_devcloud, vnc_user_data
from tests.support.stack import ROOT, free_port, wait_for_port
from tests.support.web import WebUser

PASSWORD = "benchpw1"
READ_SIZE = 1 << 20


async def _pipe(reader, writer):
    try:
        while data := await reader.read(READ_SIZE):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


def raw_relay(port, host, target_port):
    """The limit: bytes both ways through asyncio, no WebSocket, no checks."""
    async def handle(reader, writer):
        vm_reader, vm_writer = await asyncio.open_connection(host, target_port, limit=READ_SIZE)
        await asyncio.gather(_pipe(reader, vm_writer), _pipe(vm_reader, writer), return_exceptions=True)

    async def serve():
        server = await asyncio.start_server(handle, "127.0.0.1", port, limit=READ_SIZE)
        await server.serve_forever()
    asyncio.run(serve())


class Paths:
    """devcloud with one server, and every relay in its own process."""

    def __init__(self, directory, uvicorn_args, setup="", visas=1, services=None):
        """`setup`: more Python for `manage.py shell` after the benchmark's user and instance, with
        {address} and {password} of the VM. `visas`: how many ASGI processes (on one database).
        `services`: DATABASE_URL and REDIS_URL for them (else the embedded defaults: SQLite and an
        in-memory channel layer each)."""
        self.directory, self.processes, self.services = Path(directory), [], services or {}
        self.cloud = start_devcloud(self.directory)
        try:
            self.start_all(uvicorn_args, setup, visas)
        except BaseException:  # nothing left running behind a benchmark that could not start
            self.stop()
            raise

    def start_all(self, uvicorn_args, setup, visas):
        conn = self.cloud.connect()
        server = conn.compute.create_server(
            name="bench", image_id=catalogue.IMAGES["ubuntu-desktop"].id,
            flavor_id=catalogue.FLAVOURS["m1.small"].id, user_data=vnc_user_data(PASSWORD))
        server = conn.compute.wait_for_server(server, wait=30, interval=0.2)
        self.server_id = server.id
        self.vm = (next(iter(server.addresses.values()))[0]["addr"], 5900)
        deadline = time.monotonic() + 15
        while not listening(*self.vm) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.relay = self.start("relay", [sys.executable, "-m", "tests.benchmarks.proxy", "--relay", "{port}",
                                          *map(str, self.vm)])
        self.websockify = self.start("websockify", [str(Path(sys.executable).parent / "websockify"), "{port}",
                                                    f"{self.vm[0]}:{self.vm[1]}"])
        self.visas = self.start_visas(uvicorn_args, setup, visas)  # (path, process) each
        self.visa_path, self.visa = self.visas[0]

    def start(self, name, command, env=None):
        port = free_port()
        log = open(self.directory / f"{name}.log", "ab")
        command = [part.replace("{port}", str(port)) for part in command]
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        wait_for_port(port, process, timeout=120)  # Django's start on a busy machine
        return port, process

    def start_visas(self, uvicorn_args, setup, count):
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        (self.directory / "visa").mkdir()
        env.update(VISA_VAR_DIR=str(self.directory / "visa"), DJANGO_SETTINGS_MODULE="visa.settings", **self.services)
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        script = SETUP.format(address=self.vm[0]) + setup.format(address=self.vm[0], password=PASSWORD)
        subprocess.run([*manage, "shell", "-v0", "-c", script], cwd=ROOT, env=env, check=True)
        visas = [self.start(f"visa{n}", [sys.executable, "-m", "uvicorn", "visa.asgi:application", "--port", "{port}",
                                         "--log-level", "warning", *uvicorn_args], env) for n in range(count)]
        self.url = f"http://127.0.0.1:{visas[0][0]}"
        cookie = WebUser(self.url, "bench", "bench").cookie_header  # one database: good on every process
        return [({"ws": f"ws://127.0.0.1:{port}/ws/instances/{UUID}/desktop", "cookie": cookie}, process)
                for port, process in visas]

    def all(self):
        return {
            "direct TCP": {"tcp": self.vm},
            "raw asyncio relay": {"tcp": ("127.0.0.1", self.relay[0]), "process": psutil.Process(self.relay[1].pid)},
            "websockify": {"ws": f"ws://127.0.0.1:{self.websockify[0]}/", "process": psutil.Process(self.websockify[1].pid)},
            "visa proxy": {**self.visa_path, "process": psutil.Process(self.visa.pid)},
        }

    def stop(self):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(30)  # uvicorn closing a thousand desktops on a busy machine
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.cloud.stop()


UUID = "00000000-0000-4000-8000-00000000be9c"
SETUP = f"""
from django.contrib.auth import get_user_model
from instances.models import Flavour, Image, Instance
user = get_user_model().objects.create_user("bench", "bench@visa.test", "bench")
Instance.objects.create(uuid="{UUID}", name="bench", owner=user, state="ACTIVE", address="{{address}}",
    vnc_secret="{PASSWORD}", image=Image.objects.create(name="bench", cloud_id="x"),
    flavour=Flavour.objects.create(name="bench", cloud_id="x", cpus=1, ram_mb=1024))
"""
