"""The running parts as `make run` starts them, for integration tests: free ports, visa's
processes (`Stack`) on the test database and Redis, and stopping them."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
METRICS_TOKEN = "metrics-token-for-tests"
# A second cloud's secret, which every process of every stack has in its environment as every host
# of a deployment would (tests/instances/lifecycle/test_clouds.py registers that cloud).
SECOND_CLOUD_VARIABLE, SECOND_CLOUD_PASSWORD = "OPENSTACK_PASSWORD_SITE_B", "site-b-password"
# The ASGI server's options as `make run` and deploy/ give them (tests/test_deploy.py holds them to
# it): uvloop and httptools with visa's handing on of a body's blocks (visa/http.py), no
# permessage-deflate, no incoming frame over 64 kB, a bounded stop.
UVICORN_OPTIONS = ["--loop", "uvloop", "--http", "visa.http:Protocol", "--ws-per-message-deflate", "false",
                   "--ws-max-size", "65536", "--timeout-graceful-shutdown", "10"]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, process, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing answered on port {port}")


class Stack:
    """visa's processes as `make run` starts them, on the test database and Redis; env adds
    settings, worker=False leaves out the Celery worker for tests that launch nothing, and
    beat=False runs the worker without beat (one beat per deployment)."""

    def __init__(self, tmp, devcloud_url, env=(), port=None, worker=True, beat=True):
        port = port or free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "OPENSTACK_AUTH_URL": devcloud_url,
            "VISA_VAR_DIR": str(tmp),
            "VISA_BUILD_TIMEOUT": "60",
            "PYTHONUNBUFFERED": "1",
            # Short periods, so fault and expiry tests see the periodic tasks act within seconds.
            "VISA_RECONCILE_PERIOD": "1",
            "VISA_EXPIRY_PERIOD": "1",
            "VISA_STUCK_AFTER": "3",
            "VISA_POLL_INTERVAL": "0.1",
            "VISA_OWNER_GRACE": "0.5",
            "VISA_CLOUD_TIMEOUT": "3",
            "VISA_CLOUD_BACKOFF": "0.1",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(tmp / "mail"),
            # e-mails link here, and the VMs' mount agents ask here
            "VISA_SITE_URL": f"http://127.0.0.1:{port}",
            "VISA_AGENT_POLL_SECONDS": "2",
            # Tests send wrong passwords and tokens on purpose, all from loopback (schemathesis
            # hundreds): lockouts are tested on a stack of their own (tests/test_lockout.py).
            "VISA_SIGNIN_FAILURES": "100000",
            # Every process of the stack counts into one directory (visa/metrics.py); scrapes send the token.
            "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"),
            "VISA_METRICS_TOKEN": METRICS_TOKEN,
            SECOND_CLOUD_VARIABLE: SECOND_CLOUD_PASSWORD,
            **dict(env),
        }
        self.mail = tmp / "mail"
        self.logs = tmp
        self.worker = self.start_worker(beat) if worker else None
        try:
            self.url, self.web = self.start_web(port=port)
        except Exception:  # a worker left running would act on later tests' instances
            end(*(process for process in (self.worker,) if process))
            raise

    def start(self, name, *args, **env):
        log = open(self.logs / f"{name}.log", "ab")
        # Its own process group, so that a test can kill it with all its children.
        return subprocess.Popen([sys.executable, *args], cwd=ROOT, env={**self.env, **env}, stdout=log,
                                stderr=subprocess.STDOUT, process_group=0)

    def start_web(self, name="web", port=None, **env):
        """An ASGI server on the stack's database and Redis (a test may start another); its URL and process."""
        port = port or free_port()
        process = self.start(name, "-m", "uvicorn", "visa.asgi:application", "--port", str(port), *UVICORN_OPTIONS,
                             **env)
        try:
            wait_for_port(port, process)
        except Exception:  # not left running behind the caller's back
            end(process)
            raise
        return f"http://127.0.0.1:{port}", process

    def start_worker(self, beat=True):
        beat_args = ["--beat", "--schedule", str(self.logs / "beat-schedule")] if beat else []
        return self.start("worker", "-m", "celery", "-A", "visa", "worker", *beat_args, "--concurrency", "4",
                          "--loglevel", "INFO")

    def kill_worker(self):
        """SIGKILL the worker and its pool, as a crashed machine would, and start a new one."""
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait(10)
        self.worker = self.start_worker()

    def mails(self):
        """The e-mails sent so far, as the file backend wrote them."""
        return [path.read_text() for path in sorted(self.mail.glob("*.log"))] if self.mail.exists() else []

    def stop(self):
        end(*(process for process in (self.web, self.worker) if process))


def end(*processes):
    """Stop processes the stack started: politely, then (an ASGI server waiting on open
    WebSockets, a worker in a long task) for good after 10 s."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _database_url():
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
