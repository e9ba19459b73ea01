"""Every answer of devcloud's OpenStack APIs, one JSON line each, so that a test session can
check them all against OpenStack's own response schemas (tests/support/cloudschemas.py).

`--record FOLDER` (env DEVCLOUD_RECORD) appends to FOLDER/devcloud-<pid>.jsonl: a file per
process, so that several devclouds (or one restarted) never interleave their lines.
"""
import json
import os
import threading
from pathlib import Path

# The request headers a check needs: which microversion was asked for. Tokens are left out.
ASKED = ("openstack-api-version", "x-openstack-nova-api-version")


class Recorder:
    def __init__(self, folder):
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self._file = open(folder / f"devcloud-{os.getpid()}.jsonl", "a")
        self._lock = threading.Lock()

    def write(self, request, reply):
        line = json.dumps({
            "method": request.method,
            "path": request.path,
            "request_headers": {name: request.headers[name] for name in ASKED if name in request.headers},
            "status": reply.status,
            "headers": reply.headers,
            "body": reply.body,
        })
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()  # the test session reads it while devcloud runs on
