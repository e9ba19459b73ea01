"""The mount agent of devcloud's servers. A real VM runs visa's agent (protocols/mount_agent.py),
which mounts what visa answers; a devcloud server runs the same client (`mount_agent.fetch`, over
HTTP, with the token and URL its user data gave it) and, instead of mounting, tells its desktop
what is mounted now; rotated secrets it hands to its server, which writes them to its disk."""
import logging
import threading

from protocols import mount_agent

log = logging.getLogger(__name__)


def as_mounted(entry):
    """(path, point, read-only?) of one mount visa asked for, as userdata.mounts reads them."""
    # the agent mounts WebDAV --read-only
    read_only = entry["type"] == "webdav" or "ro" in entry.get("options", "").split(",")
    return entry["path"], entry["point"], read_only


class MountAgent:
    def __init__(self, name, config, changed, took_secrets):
        """Poll visa as `config` (the server's agent.json) says; `changed(agent, mounts)` on each new
        answer, `took_secrets(agent, rotation, config)` when visa rotates the server's secrets."""
        self._config, self._changed, self._took_secrets = dict(config), changed, took_secrets
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"agent {name}", daemon=True)
        self._thread.start()

    def _run(self):
        etag = None
        while not self._stopped.is_set():
            try:
                answer = mount_agent.fetch(self._config, etag)
            except (OSError, ValueError, KeyError, mount_agent.Refused) as error:
                log.info("%s: %s", self._thread.name, error)
            else:
                if answer is not None and not self._stopped.is_set():
                    etag = answer[0]
                    self._changed(self, [as_mounted(entry) for entry in answer[1]["mounts"]])
                    if "rotate" in answer[1]:
                        self._config["token"] = answer[1]["rotate"]["token"]
                        self._took_secrets(self, answer[1]["rotate"], self._config)
                        etag = None
                        continue  # at once, as visa's agent does: the new token says it was taken
            self._stopped.wait(float(self._config.get("interval", 5)))

    def stop(self):
        self._stopped.set()
