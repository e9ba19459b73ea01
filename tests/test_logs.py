"""What operators read: each log line names its request and the instance it is about, as JSON
when asked (visa/logs.py); errors go to Sentry when a DSN is set (a stand-in Sentry receives them)."""
import gzip
import json
import subprocess
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.support.stack import ROOT


def test_json_lines_name_the_request_and_the_instance(stack):
    url, process = stack.start_web(name="web-json", VISA_LOG_FORMAT="json")
    try:
        request_id, desktop = uuid.uuid4().hex, uuid.uuid4()
        answer = requests.get(url + "/accounts/login/", headers={"X-Request-ID": request_id})
        assert answer.headers["X-Request-ID"] == request_id  # nginx's $request_id is kept
        forged = requests.get(url + "/accounts/login/", headers={"X-Request-ID": "x\tinjected text"})
        assert forged.headers["X-Request-ID"] != "x\tinjected text"  # a client cannot write into logs
        with pytest.raises(InvalidStatus):  # anonymous: refused, and logged
            connect(url.replace("http", "ws", 1) + f"/ws/instances/{desktop}/desktop", origin=url,
                    additional_headers={"X-Request-ID": request_id})
    finally:
        process.terminate()
        process.wait(15)
    lines = [json.loads(line) for line in (stack.logs / "web-json.log").read_text().splitlines()
             if line.startswith("{")]
    refused = next(line for line in lines if line["message"].startswith("desktop refused"))
    assert refused["request_id"] == request_id and refused["instance"] == str(desktop)
    assert refused["level"] == "INFO" and refused["time"].endswith("+00:00")


class SentryStandIn(BaseHTTPRequestHandler):
    """Takes what a Sentry SDK sends (envelopes) and keeps their items."""

    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        SentryStandIn.received += [json.loads(line) for line in body.splitlines() if line.startswith(b"{")]
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_with_a_dsn_errors_reach_sentry_without_personal_data(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), SentryStandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    dsn = f"http://publickey@127.0.0.1:{server.server_port}/1"
    try:
        run = subprocess.run(
            [sys.executable, "-c", "import django; django.setup(); 1 / 0"], cwd=ROOT, capture_output=True, text=True,
            env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "visa.settings", "SENTRY_DSN": dsn,
                 "SENTRY_ENVIRONMENT": "test", "VISA_VAR_DIR": str(tmp_path)}, timeout=60)
    finally:
        server.shutdown()
    assert "ZeroDivisionError" in run.stderr
    events = [item for item in SentryStandIn.received if item.get("exception")]
    assert events, SentryStandIn.received
    [event] = events
    assert event["exception"]["values"][0]["type"] == "ZeroDivisionError" and event["environment"] == "test"
    assert "user" not in event or "ip_address" not in event["user"]
