"""The file API each VM serves to visa, and only to visa: a listing, a download (a file as it is, a
folder as a zip made while it is sent) and an upload in pieces, within the desktop user's home
folder (read and write) and the data mounts (read only).

visa's mount agent (mount_agent.py) runs it in a thread of its own; devcloud's servers run the same
server over their own folders. Every request carries the instance's file token (visa keeps it and
never gives it to a browser). visa checks who may do what; this side only keeps every path inside
its roots, whatever visa asks: no "..", no absolute path, and no symbolic link is followed (each
folder is opened below the one before with O_NOFOLLOW, so a link swapped in meanwhile is refused).
Standard library only: it runs on the image's python3.
"""
import errno
import hmac
import json
import os
import shutil
import stat
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BLOCK = 1 << 20
PARTIAL = ".visa-upload"  # an upload in progress is ".<name>.visa-upload" beside where it goes
MAX_NAME = 255 - len(PARTIAL) - 1  # bytes, so that the partial file's name fits too


class Refused(Exception):
    def __init__(self, status, message, **details):
        super().__init__(message)
        self.status, self.details = status, details


def split(path):
    """The parts of a path as visa names it ("home/a/b", "data/900001/x"), or Refused."""
    if "\x00" in path or "\\" in path:
        raise Refused(400, "A path may not contain a NUL character or a backslash.")
    if path.startswith("/"):
        raise Refused(400, "Paths start at home/ or data/, not at /.")
    parts = [part for part in path.split("/") if part]
    if any(part in (".", "..") for part in parts):
        raise Refused(400, "A path may not contain . or .. parts.")
    return parts


def where(roots, parts):
    """(base folder, the parts below it, writable?) of a path of at least two parts, or Refused.
    `roots` is {"home": folder, "data": {mount name: folder}}."""
    if parts[0] == "home":
        return roots["home"], parts[1:], True
    if parts[0] == "data" and len(parts) > 1 and parts[1] in roots["data"]:
        return roots["data"][parts[1]], parts[2:], False
    raise Refused(404, f"There is no {'/'.join(parts[:2])} here.")


def open_folder(base, parts):
    """A descriptor of the folder base/parts, each part opened below the last without following links."""
    try:
        descriptor = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        raise Refused(404, "This folder is not there (a mount may have gone).") from None
    try:
        for number, part in enumerate(parts):
            below = _open_below(descriptor, part, os.O_RDONLY | os.O_DIRECTORY, parts[:number + 1])
            os.close(descriptor)
            descriptor = below
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def _open_below(folder, name, flags, parts, mode=0o644):
    try:
        return os.open(name, flags | os.O_NOFOLLOW, mode, dir_fd=folder)
    except FileNotFoundError:
        raise Refused(404, f"There is no {'/'.join(parts)}.") from None
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
            raise Refused(403, f"{'/'.join(parts)} is a link or not a folder; links are not followed.") from None
        raise


def listing(roots, parts):
    """The entries of a folder: name, kind (folder, file, link, other), size, modified (Unix time)."""
    if not parts:
        return [{"name": "home", "kind": "folder"}, {"name": "data", "kind": "folder"}]
    if parts == ["data"]:
        return [{"name": name, "kind": "folder"} for name in sorted(roots["data"])]
    base, below, _ = where(roots, parts)
    descriptor = open_folder(base, below)
    try:
        entries = []
        with os.scandir(descriptor) as found:
            for entry in found:
                if entry.name.endswith(PARTIAL):
                    continue
                info = entry.stat(follow_symlinks=False)
                kind = ("folder" if stat.S_ISDIR(info.st_mode) else "file" if stat.S_ISREG(info.st_mode)
                        else "link" if stat.S_ISLNK(info.st_mode) else "other")
                entries.append({"name": entry.name, "kind": kind, "size": info.st_size, "modified": int(info.st_mtime)})
    finally:
        os.close(descriptor)
    return sorted(entries, key=lambda entry: (entry["kind"] != "folder", entry["name"].lower()))


def open_for_download(roots, parts):
    """A descriptor of the file or folder at `parts` (whole home or one mount included)."""
    if len(parts) < 2 and parts != ["home"]:
        raise Refused(400, "Download a file or folder in home/ or in one experiment's data.")
    base, below, _ = where(roots, parts)
    if not below:
        return open_folder(base, [])
    folder = open_folder(base, below[:-1])
    try:
        return _open_below(folder, below[-1], os.O_RDONLY, parts)
    finally:
        os.close(folder)


def write_zip(descriptor, top, out):
    """Write a zip of the folder `descriptor` to the stream `out` (which cannot seek) as it goes:
    entries under `top`/, stored (data is mostly compressed already), links and others left out."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for folder, folders, files, folder_descriptor in os.fwalk(".", dir_fd=descriptor):
            folders.sort()
            for name in sorted(files):
                if name.endswith(PARTIAL):
                    continue
                try:
                    file_descriptor = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=folder_descriptor)
                except OSError:
                    continue  # a link, or gone meanwhile
                with os.fdopen(file_descriptor, "rb") as file:
                    info = os.fstat(file.fileno())
                    if not stat.S_ISREG(info.st_mode):
                        continue
                    entry = zipfile.ZipInfo(os.path.normpath(os.path.join(top, folder, name)),
                                            time.localtime(max(info.st_mtime, 315532800))[:6])  # zip starts at 1980
                    with archive.open(entry, "w", force_zip64=True) as member:
                        shutil.copyfileobj(file, member, BLOCK)


def receive(roots, parts, offset, size, body, length):
    """Write `length` bytes from `body` at `offset` of an upload of `size` bytes to home/...; the last
    piece puts the file in its place. Returns how many bytes of it are there now."""
    if len(parts) < 2 or not where(roots, parts)[2]:
        raise Refused(403, "Files can be uploaded into your home folder only; the data is read-only.")
    name = parts[-1]
    if len(name.encode()) > MAX_NAME:
        raise Refused(400, f"A file name may have at most {MAX_NAME} bytes.")
    if not 0 <= offset <= size or offset + length > size:
        raise Refused(400, "This piece does not fit in the file's size.")
    home = roots["home"]
    folder = open_folder(home, parts[1:-1])
    try:
        partial = f".{name}{PARTIAL}"
        flags = os.O_WRONLY | (os.O_CREAT | os.O_TRUNC if offset == 0 else 0)
        try:
            descriptor = _open_below(folder, partial, flags, parts)
        except Refused as refusal:
            if refusal.status == 404:
                raise Refused(409, "This upload was not started; start again from its beginning.", received=0) from None
            raise
        with os.fdopen(descriptor, "wb") as file:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode):
                raise Refused(409, f"{'/'.join(parts)} cannot be written.")
            if info.st_size != offset:
                raise Refused(409, "The upload goes on from where it was.", received=info.st_size)
            if offset == 0 and os.geteuid() == 0:  # the agent is root: the file is the desktop user's
                owner = os.stat(home)
                os.fchown(descriptor, owner.st_uid, owner.st_gid)
            file.seek(offset)
            left = length
            while left:
                data = body.read(min(BLOCK, left))
                if not data:
                    raise Refused(400, "The piece ended early.", received=offset + length - left)
                file.write(data)
                left -= len(data)
        if offset + length == size:
            try:
                if stat.S_ISDIR(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode):
                    raise Refused(409, f"There is a folder named {name} there already.")
            except FileNotFoundError:
                pass
            os.replace(partial, name, src_dir_fd=folder, dst_dir_fd=folder)
    finally:
        os.close(folder)
    return offset + length


class Handler(BaseHTTPRequestHandler):
    """GET /list?path=, GET /download?path=, PUT /upload?path=&offset=&size= (the piece as the body)."""

    timeout = 60  # a client that stops sending frees its thread

    def do_GET(self):
        self._answer()

    do_PUT = do_GET

    def _answer(self):
        url = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(url.query, keep_blank_values=True).items()}
        try:
            if not hmac.compare_digest(self.headers.get("Authorization", "").encode(),
                                       f"Bearer {self.server.token()}".encode()):
                raise Refused(401, "A valid file token is required.")
            parts = split(query.get("path", ""))
            if (self.command, url.path) == ("GET", "/list"):
                self._json(200, {"entries": listing(self.server.roots(), parts)})
            elif (self.command, url.path) == ("GET", "/download"):
                self._download(parts)
            elif (self.command, url.path) == ("PUT", "/upload"):
                offset, size = int(query.get("offset", "")), int(query.get("size", ""))
                length = int(self.headers.get("Content-Length") or 0)
                received = receive(self.server.roots(), parts, offset, size, self.rfile, length)
                self._json(200, {"received": received, "done": received == size})
            else:
                raise Refused(404, "No such operation.")
        except Refused as refusal:
            self._json(refusal.status, {"error": str(refusal), **refusal.details})
        except ValueError:
            self._json(400, {"error": "offset and size must be whole numbers."})
        except OSError as error:
            self._json(500, {"error": f"The VM could not do it: {error.strerror}."})

    def _download(self, parts):
        descriptor = open_for_download(self.server.roots(), parts)
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.end_headers()  # HTTP/1.0: the zip ends when the connection does
            try:
                write_zip(descriptor, parts[-1], _Unseekable(self.wfile))
            finally:
                os.close(descriptor)
            return
        with os.fdopen(descriptor, "rb") as file:
            if not stat.S_ISREG(info.st_mode):
                raise Refused(403, "Only files and folders can be downloaded.")
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(info.st_size))
            self.end_headers()
            if info.st_size:
                self.connection.sendfile(file, 0, info.st_size)

    def _json(self, status, body):
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        pass  # visa logs what people do; the VM's journal need not hold every file name


class _Unseekable:
    """The response stream as zipfile sees it: written to, never sought (zipfile adds data descriptors)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, data):
        return self._stream.write(data)

    def flush(self):
        self._stream.flush()


class FileServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, token, roots):
        """`token()` is the file token now (it changes when visa rotates the VM's secrets);
        `roots()` is {"home": folder, "data": {name: folder}} now (mounts come and go)."""
        super().__init__(address, Handler)
        self.token, self.roots = token, roots

