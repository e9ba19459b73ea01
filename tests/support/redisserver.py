"""A private redis-server for drills that stop the broker: the machine's shared Redis keeps running."""
import subprocess

from .stack import Stack, end, free_port, wait_for_port


class RedisServer:
    """redis-server on a free port, its data in `directory` (saved on stop, as a packaged Redis does)."""

    def __init__(self, directory):
        self.directory, self.port = directory, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None
        self.start()

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--save", "3600 1", "--appendonly", "no"],
            stdout=open(self.directory / "redis.log", "ab"), stderr=subprocess.STDOUT)
        wait_for_port(self.port, self.process)

    def stop(self):
        end(self.process)


def drill_stack(server, tmp, devcloud_url):
    """visa's processes on `server`, with the reconciler's rule for quiet instances as slow as in
    production (VISA_STUCK_AFTER 600 s), so that what recovers is the mechanism under drill."""
    return Stack(tmp, devcloud_url, env={"REDIS_URL": server.url, "VISA_STUCK_AFTER": "600"})
