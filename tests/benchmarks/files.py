"""Files: upload and download throughput through visa against straight to the VM's file API and
through a relay in C (socat) to it, and the web process's peak memory while files of each size
pass through it.

Run against a running visa (`make run` in another terminal; sign-in demo/demo):
    .venv/bin/python -m tests.benchmarks.files [--url http://127.0.0.1:8000]
        [--devcloud http://127.0.0.1:8774] [--sizes 100,2048] [--rounds 2]
Launches a desktop from the demo DOI page (the demo user's running one if there is one). For each
size (MB) it uploads a file of that size in the API's pieces and downloads it back, through visa's
API (session and CSRF, as the Files panel does) and straight to the VM's file API (with the file
token from the server's user data, as visa holds it), and to the VM's file API through socat (a TCP
relay in C that only copies, 256 kB a time: what any relay's extra hop costs on this machine, which
a relay cannot beat); the better of `rounds` counts for each path. Needs Debian's socat.
Meanwhile it samples the web process's resident memory (the uvicorn process listening on the URL's
port) every 20 ms: its peak above what it used before the size began; and the CPU seconds that
process spent per GB each way (the least of the rounds), which other work on a shared machine bends
less than the speeds. The file's bytes are one random block of a piece's size over and over.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import requests
import yaml

from tests.benchmarks.results import record
from tests.support.web import WebUser

MB = 1 << 20


class PeakMemory(threading.Thread):
    """The highest resident memory of `process` (bytes) since started."""

    def __init__(self, process):
        super().__init__(daemon=True)
        self.process, self.peak, self.running = process, process.memory_info().rss, True

    def run(self):
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.02)

    def stop(self):
        self.running = False
        self.join()
        return self.peak


def web_process(url):
    port = urlsplit(url).port or 80
    for process in psutil.process_iter(["cmdline"]):
        try:
            if any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in process.net_connections("tcp")):
                return process
        except (psutil.AccessDenied, psutil.NoSuchProcess):
            continue
    raise SystemExit(f"no process of yours listens on port {port}")


def vm_of(devcloud, uuid):
    """(file API URL, file token, home folder on disk) of the instance's devcloud server."""
    with urllib.request.urlopen(devcloud + "/devcloud/servers", timeout=10) as answer:
        servers = json.load(answer)["servers"]
    with urllib.request.urlopen(devcloud + "/devcloud/config", timeout=10) as answer:
        port = json.load(answer)["files_port"]
    server = next(s for s in servers if s["metadata"].get("visa_instance") == str(uuid))
    files = yaml.safe_load(server["user_data"])["write_files"]
    agent = json.loads(next(f["content"] for f in files if f["path"] == "/etc/visa/agent.json"))
    return f"http://{server['address']}:{port}", agent["files_token"], Path(server["home"])


def c_relay(vm):
    """(URL of a socat relaying to the VM's file API, its process)."""
    if not shutil.which("socat"):
        raise SystemExit("this benchmark compares with socat: apt-get install socat")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    target = urlsplit(vm)
    process = subprocess.Popen(["socat", "-b", str(256 << 10), f"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork",
                                f"TCP:{target.hostname}:{target.port}"])
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return f"http://127.0.0.1:{port}", process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("socat did not start")


def pieces(size, block):
    for offset in range(0, size, len(block)):
        yield offset, block[:min(len(block), size - offset)]


def cpu_seconds(process):
    times = process.cpu_times()
    return times.user + times.system


def transfer(http, upload_url, download_url, name, size, block, headers, process=None):
    """(seconds to upload `size` bytes in pieces, to download them back (counted, then dropped),
    CPU seconds `process` spent on each)."""
    started, cpu = time.perf_counter(), cpu_seconds(process) if process else 0
    for offset, piece in pieces(size, block):
        answer = http.put(upload_url, params={"path": f"home/{name}", "offset": offset, "size": size}, data=piece,
                          headers=headers)
        answer.raise_for_status()
    uploaded, cpu_uploaded = time.perf_counter(), cpu_seconds(process) if process else 0
    received = 0
    with http.get(download_url, params={"path": f"home/{name}"}, headers=headers, stream=True) as answer:
        answer.raise_for_status()
        for chunk in answer.iter_content(MB):
            received += len(chunk)
    assert received == size, f"downloaded {received} bytes of {size}"
    cpu_downloaded = cpu_seconds(process) if process else 0
    return uploaded - started, time.perf_counter() - uploaded, cpu_uploaded - cpu, cpu_downloaded - cpu_uploaded


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--devcloud", default="http://127.0.0.1:8774")
    parser.add_argument("--user", default="demo")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--sizes", default="100,2048", help="file sizes in MB, comma-separated")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    user = WebUser(args.url, args.user, args.password)
    running = user.get("/api/instances/", params={"state": "ACTIVE"}).json()["results"]
    uuid = running[0]["uuid"] if running else user.launch_from_doi()[0]
    user.wait_for_state(uuid, "ACTIVE")
    api = f"{args.url}/api/instances/{uuid}/files/"
    piece = user.http.get(api, params={"path": "home"}).json()["piece"]
    block = os.urandom(piece)
    vm, token, home = vm_of(args.devcloud, uuid)
    process = web_process(args.url)
    csrf = {"X-CSRFToken": user.http.cookies["csrftoken"]}
    direct = requests.Session()
    relay, socat = c_relay(vm)

    figures = {"piece_mb": piece / MB, "sizes": {}}
    for size_mb in [int(size) for size in args.sizes.split(",")]:
        size = size_mb * MB
        rounds = {"visa": [], "direct": [], "c_relay": []}
        memory = PeakMemory(process)
        before = process.memory_info().rss
        memory.start()
        for _ in range(args.rounds):
            rounds["visa"].append(transfer(user.http, api + "upload", api + "download", "bench-visa", size, block,
                                           csrf, process))
            for path, url in (("direct", vm), ("c_relay", relay)):
                rounds[path].append(transfer(direct, url + "/upload", url + "/download", f"bench-{path}", size, block,
                                             {"Authorization": f"Bearer {token}"}))
        peak = memory.stop()
        for name in ("bench-visa", "bench-direct", "bench-c_relay"):
            (home / name).unlink(missing_ok=True)
        best = {path: {"upload_mb_s": round(size_mb / min(r[0] for r in runs), 1),
                       "download_mb_s": round(size_mb / min(r[1] for r in runs), 1)} for path, runs in rounds.items()}
        figures["sizes"][f"{size_mb} MB"] = {
            **best,
            "upload_ratio": round(best["visa"]["upload_mb_s"] / best["direct"]["upload_mb_s"], 2),
            "download_ratio": round(best["visa"]["download_mb_s"] / best["direct"]["download_mb_s"], 2),
            "c_relay_upload_ratio": round(best["c_relay"]["upload_mb_s"] / best["direct"]["upload_mb_s"], 2),
            "c_relay_download_ratio": round(best["c_relay"]["download_mb_s"] / best["direct"]["download_mb_s"], 2),
            # Less bent by other work on the machine than its speed: what each GB cost the web process.
            "web_cpu_s_per_gb": {way: round(min(r[column] for r in rounds["visa"]) * 1024 / size_mb, 2)
                                 for way, column in (("upload", 2), ("download", 3))},
            "web_rss_before_mb": round(before / MB, 1),
            "web_rss_peak_growth_mb": round((peak - before) / MB, 1),
        }
        print(f"{size_mb} MB: {json.dumps(figures['sizes'][f'{size_mb} MB'])}", flush=True)
    socat.terminate()
    record("files", figures)


if __name__ == "__main__":
    main()
