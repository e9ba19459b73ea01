"""Debian's nginx running deploy/nginx/visa.conf as shipped, with only what a machine changes:
ports, host name, certificate, static root and the ASGI processes' ports."""
import re
import subprocess
from pathlib import Path

from django.conf import settings

from .stack import end, free_port, wait_for_port

SITE = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "visa.conf"
HOST = "localhost"


def certificate(directory):
    """A self-signed certificate for HOST; clients trust it through SSL_CERT_FILE and REQUESTS_CA_BUNDLE."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={HOST}",
                    "-addext", f"subjectAltName=DNS:{HOST}", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def site(cert, key, http_port, https_port, upstream_ports):
    """The shipped site with this machine's values in place of the example's."""
    text = SITE.read_text()
    servers = "".join(f"    server 127.0.0.1:{port} max_fails=0;\n" for port in upstream_ports)
    text = re.sub(r"(    server 127\.0\.0\.1:\d+ max_fails=0;\n)+", servers, text)
    text = re.sub(r"^\s*listen \[::\]:.*\n", "", text, flags=re.MULTILINE)  # IPv4 loopback only
    text = text.replace("listen 80", f"listen 127.0.0.1:{http_port}").replace(
        "listen 443", f"listen 127.0.0.1:{https_port}")
    text = text.replace("server_name visa.example.org", f"server_name {HOST}")
    text = re.sub(r"ssl_certificate .*;", f"ssl_certificate {cert};", text)
    text = re.sub(r"ssl_certificate_key .*;", f"ssl_certificate_key {key};", text)
    return text.replace("alias /opt/visa/staticfiles/;", f"alias {settings.STATIC_ROOT}/;")


class Nginx:
    def __init__(self, directory, upstream_ports):
        directory.chmod(0o755)  # nginx's workers run as another user
        for temp in ("body", "proxy"):
            (directory / temp).mkdir(mode=0o777)
        self.cert, key = certificate(directory)
        self.http_port, self.https_port = free_port(), free_port()
        self.url = f"https://{HOST}:{self.https_port}"
        (directory / "visa.conf").write_text(site(self.cert, key, self.http_port, self.https_port, upstream_ports))
        self.config = directory / "nginx.conf"
        self.config.write_text(
            f"pid {directory}/nginx.pid;\nerror_log {directory}/error.log;\nevents {{}}\n"
            f"http {{\n  include /etc/nginx/mime.types;\n  access_log {directory}/access.log;\n"
            f"  client_body_temp_path {directory}/body;\n  proxy_temp_path {directory}/proxy;\n"
            f"  include {directory}/visa.conf;\n}}\n")
        self.process = None

    def check(self):
        """`nginx -t`: (whether the configuration is valid, what nginx said)."""
        result = subprocess.run(["nginx", "-t", "-c", str(self.config)], capture_output=True, text=True)
        return result.returncode == 0, result.stderr

    def start(self):
        self.process = subprocess.Popen(["nginx", "-c", str(self.config), "-g", "daemon off;"])
        wait_for_port(self.https_port, self.process)
        return self

    def stop(self):
        end(self.process)


def trust(monkeypatch, cert):
    """Python's TLS clients (requests, websockets) in this process trust `cert`."""
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        monkeypatch.setenv(name, str(cert))
