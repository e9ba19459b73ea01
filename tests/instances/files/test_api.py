"""A running desktop's files through the API, as a script with a personal token would use them:
upload in pieces, find the file on the desktop's disk (devcloud's folder for the server) and in the
listing, download it back byte for byte and its folder as a zip; who may, and every refusal."""
import io
import os
import time
import zipfile
from pathlib import Path

import pytest
import requests
from django.contrib.auth.models import User

from instances.api.files import MAX_PIECE
from instances.cloud import vmsecrets
from instances.models import Instance, Role
from tests.support.apiclient import ApiClient
from tests.support.factories import make_user

PIECE = 8 << 20  # smaller pieces than the most a request may carry are fine


@pytest.fixture
def running(owner, launch, devcloud):
    """(instance, the owner's API client, the desktop's home folder on devcloud's disk)."""
    uuid = launch(owner)
    instance = Instance.objects.get(uuid=uuid)
    script = ApiClient(owner.base_url, User.objects.get(username=owner.username))
    return instance, script, Path(devcloud.server(instance.server_id)["home"])


def upload(script, uuid, path, content, piece=PIECE):
    answer = None
    for offset in range(0, max(len(content), 1), piece):
        answer = script.http.put(f"{script.base_url}/api/instances/{uuid}/files/upload",
                                 params={"path": path, "offset": offset, "size": len(content)},
                                 data=content[offset:offset + piece])
        assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_file_goes_up_in_pieces_and_comes_back_the_same(running):
    instance, script, home = running
    content = os.urandom(PIECE * 2 + 12345)
    (home / "results").mkdir()
    assert upload(script, instance.uuid, "home/results/scan.bin", content) == {"received": len(content), "done": True}
    assert (home / "results" / "scan.bin").read_bytes() == content  # on the desktop's disk
    assert not [p for p in (home / "results").iterdir() if p.name != "scan.bin"]  # no partial file left

    listing = script.get(f"/api/instances/{instance.uuid}/files/", params={"path": "home/results"}).json()
    assert listing["writable"] and [(e["name"], e["kind"], e["size"]) for e in listing["entries"]] == [
        ("scan.bin", "file", len(content))]
    top = script.get(f"/api/instances/{instance.uuid}/files/").json()
    assert [e["name"] for e in top["entries"]] == ["home", "data"] and not top["writable"]

    download = script.get(f"/api/instances/{instance.uuid}/files/download", params={"path": "home/results/scan.bin"})
    assert download.status_code == 200 and download.content == content
    assert download.headers["Content-Disposition"] == 'attachment; filename="scan.bin"'

    folder = script.get(f"/api/instances/{instance.uuid}/files/download", params={"path": "home/results"})
    assert folder.headers["Content-Disposition"] == 'attachment; filename="results.zip"'
    with zipfile.ZipFile(io.BytesIO(folder.content)) as archive:
        assert archive.namelist() == ["results/scan.bin"] and archive.read("results/scan.bin") == content


def test_the_data_mount_is_read_only_and_listed(running):
    instance, script, _ = running
    (experiment,) = instance.experiments.all()
    data = script.get(f"/api/instances/{instance.uuid}/files/", params={"path": "data"}).json()
    assert [e["name"] for e in data["entries"]] == [experiment.proposal_id]
    refused = script.http.put(f"{script.base_url}/api/instances/{instance.uuid}/files/upload",
                              params={"path": f"data/{experiment.proposal_id}/x", "offset": 0, "size": 1}, data=b"x")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Files can be uploaded into the home folder only; the data is read-only."


@pytest.mark.parametrize("path", ["home/../../etc/passwd", "/etc/passwd", "home/./x", "home\\..\\x", "etc/passwd"])
def test_paths_outside_home_and_the_data_are_refused(running, path):
    instance, script, _ = running
    answer = script.get(f"/api/instances/{instance.uuid}/files/download", params={"path": path})
    assert answer.status_code in (400, 404) and answer.json()["detail"]


def test_a_link_out_of_home_is_not_followed(running):
    instance, script, home = running
    (home / "out").symlink_to("/etc")
    (home / "passwd").symlink_to("/etc/passwd")
    listing = script.get(f"/api/instances/{instance.uuid}/files/", params={"path": "home"}).json()
    assert {(e["name"], e["kind"]) for e in listing["entries"]} == {("out", "link"), ("passwd", "link")}
    for path in ["home/passwd", "home/out/passwd", "home/out"]:
        answer = script.get(f"/api/instances/{instance.uuid}/files/download", params={"path": path})
        assert answer.status_code == 403, answer.text
        assert "links are not followed" in answer.json()["detail"]
    answer = script.http.put(f"{script.base_url}/api/instances/{instance.uuid}/files/upload",
                             params={"path": "home/out/x", "offset": 0, "size": 1}, data=b"x")
    assert answer.status_code == 403 and not Path("/etc/x").exists()
    folder = script.get(f"/api/instances/{instance.uuid}/files/download", params={"path": "home"})
    assert zipfile.ZipFile(io.BytesIO(folder.content)).namelist() == []  # links left out of the zip


def test_an_upload_over_the_limit_or_out_of_order_is_refused(running, settings):
    instance, script, home = running
    url = f"{script.base_url}/api/instances/{instance.uuid}/files/upload"
    huge = script.http.put(url, params={"path": "home/big", "offset": 0, "size": 10241 << 20}, data=b"x")
    assert huge.status_code == 413 and "larger than uploads may be (10240 MB" in huge.json()["detail"]
    too_big_piece = script.http.put(url, params={"path": "home/big", "offset": 0, "size": MAX_PIECE + 1},
                                    data=b"x" * (MAX_PIECE + 1))
    assert too_big_piece.status_code == 413
    assert script.http.put(url, params={"path": "home/big", "offset": 0, "size": 10}, data=b"01234").json() == {
        "received": 5, "done": False}
    skipped = script.http.put(url, params={"path": "home/big", "offset": 7, "size": 10}, data=b"789")
    assert skipped.status_code == 409 and skipped.json()["received"] == 5  # where to go on from
    assert script.http.put(url, params={"path": "home/big", "offset": 5, "size": 10}, data=b"56789").json()["done"]
    assert (home / "big").read_bytes() == b"0123456789"
    bad = script.http.put(url, params={"path": "home/big", "offset": "x", "size": 10}, data=b"0")
    assert bad.status_code == 400 and bad.json()["detail"] == "offset must be a whole number of bytes."


def test_guests_reach_only_data_they_may_read_and_strangers_nothing(running):
    instance, script, _ = running
    guest = make_user()
    instance.members.create(user=guest, role=Role.GUEST)
    theirs = ApiClient(script.base_url, guest)
    files = f"/api/instances/{instance.uuid}/files/"
    assert [e["name"] for e in theirs.get(files).json()["entries"]] == ["data"]  # open data: they may read it
    home = theirs.get(files, params={"path": "home"})
    assert home.status_code == 403
    assert home.json()["detail"] == "Only the owner and the desktop's users may reach its home folder."
    up = theirs.http.put(f"{script.base_url}{files}upload", params={"path": "home/x", "offset": 0, "size": 1}, data=b"x")
    assert up.status_code == 403

    stranger = ApiClient(script.base_url, make_user()).get(files, params={"path": "home"})
    assert stranger.status_code == 404
    assert stranger.json()["detail"] == "There is no desktop here whose files you may reach."


def test_the_file_token_rotates_with_the_vms_other_secrets(running):
    instance, script, _ = running
    files = f"/api/instances/{instance.uuid}/files/"
    assert script.get(files, params={"path": "home"}).status_code == 200
    assert vmsecrets.rotate(Instance.objects.filter(pk=instance.pk)) == 1
    deadline = time.monotonic() + 20
    while Instance.objects.get(pk=instance.pk).agent_generation == 0:  # the VM's agent takes it within seconds
        assert time.monotonic() < deadline, "the VM did not take its new secrets"
        time.sleep(0.2)
    answer = script.get(files, params={"path": "home"})
    if answer.status_code == 503:  # the moment the VM changed over: the panel tries again by itself
        answer = script.get(files, params={"path": "home"})
    assert answer.status_code == 200, answer.text


def test_a_download_stops_when_the_reader_loses_access(running, devcloud):
    instance, script, _ = running
    (experiment,) = instance.experiments.all()
    data = Path(devcloud.options["dcache_root"]) / experiment.data_path.lstrip("/")
    data.mkdir(parents=True, exist_ok=True)
    size = 512 << 20
    with open(data / "big.h5", "wb") as file:
        file.truncate(size)  # sparse: quick to make, long to send
    guest = make_user()
    membership = instance.members.create(user=guest, role=Role.GUEST)
    theirs = ApiClient(script.base_url, guest)
    received = 0
    with pytest.raises(requests.exceptions.RequestException):  # cut off: fewer bytes than announced
        with theirs.get(f"/api/instances/{instance.uuid}/files/download",
                        params={"path": f"data/{experiment.proposal_id}/big.h5"}, stream=True) as answer:
            assert answer.status_code == 200 and int(answer.headers["Content-Length"]) == size
            for chunk in answer.iter_content(1 << 20):
                received += len(chunk)
                if membership.pk and received >= 1 << 20:
                    membership.delete()
                    time.sleep(1.5)
    assert received < size


def test_downloads_under_way_leave_the_database_to_everyone_else(running, settings):
    """More downloads at once than the web process has database connections, each read slowly, as
    over a poor link: a listing still answers at once (a download holds no connection while its
    bytes flow, only for its check each second)."""
    instance, script, home = running
    (home / "large.bin").write_bytes(os.urandom(1 << 20) * 64)  # more than the sockets hold
    url = f"{script.base_url}/api/instances/{instance.uuid}/files/download"
    downloads = []
    try:
        for _ in range(settings.DATABASES["default"]["OPTIONS"]["pool"]["max_size"] + 1):
            reader = ApiClient(script.base_url, secret=script.secret).http
            answer = reader.get(url, params={"path": "home/large.bin"}, stream=True, timeout=30)
            assert answer.status_code == 200 and len(answer.raw.read(1 << 16)) == 1 << 16
            downloads.append(answer)
        time.sleep(2)  # each has checked its reader again meanwhile
        started = time.monotonic()
        listing = script.get(f"/api/instances/{instance.uuid}/files/", params={"path": "home"}, timeout=30)
        assert listing.status_code == 200 and time.monotonic() - started < 3
    finally:
        for answer in downloads:
            answer.close()
