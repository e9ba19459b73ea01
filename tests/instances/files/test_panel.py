"""The Files panel on the instance page, in a browser: upload several files with the keyboard's file
picker and by dropping, find them on the desktop's disk, download one back byte for byte; a guest
sees only the data they may read, and nowhere to upload."""
import os
from pathlib import Path

from playwright.sync_api import expect

from instances.models import Instance, Role
from tests.support.a11y import assert_accessible
from tests.support.factories import make_user
from tests.support.threads import elsewhere


def open_files(page):
    page.get_by_role("button", name="Files").click()
    dialog = page.locator("#files-dialog")
    expect(dialog).to_be_visible()
    return dialog


def test_files_go_up_by_picker_and_by_drop_and_come_back_the_same(signed_in, owner, launch, devcloud, tmp_path):
    uuid = launch(owner)
    home = Path(devcloud.server(Instance.objects.get(uuid=uuid).server_id)["home"])
    page = signed_in(owner, f"/instances/{uuid}/")
    dialog = open_files(page)
    dialog.get_by_role("button", name="home/").click()
    expect(dialog.get_by_text("This folder is empty.")).to_be_visible()

    script, data = tmp_path / "fit.py", tmp_path / "scan.bin"
    script.write_text("print('fit')\n")
    data.write_bytes(os.urandom(9 << 20))  # two pieces
    with page.expect_file_chooser() as chooser:
        dialog.get_by_role("button", name="Upload files…").press("Enter")  # keyboard only
    chooser.value.set_files([script, data])
    expect(dialog.get_by_role("link", name="scan.bin", exact=True)).to_be_visible(timeout=30_000)
    expect(dialog.locator("#files-progress li")).to_have_text(["fit.py uploaded.", "scan.bin uploaded."])
    assert (home / "fit.py").read_text() == "print('fit')\n"
    assert (home / "scan.bin").read_bytes() == data.read_bytes()

    with page.expect_download() as download:
        dialog.get_by_role("link", name="Download scan.bin").click()
    assert Path(download.value.path()).read_bytes() == data.read_bytes()

    page.evaluate("""() => {
        const drop = new DataTransfer();
        drop.items.add(new File(["dropped here"], "notes.txt"));
        document.querySelector("#files-dialog article").dispatchEvent(
            new DragEvent("drop", {dataTransfer: drop, bubbles: true, cancelable: true}));
    }""")
    expect(dialog.get_by_role("link", name="notes.txt", exact=True)).to_be_visible(timeout=15_000)
    assert (home / "notes.txt").read_text() == "dropped here"
    assert_accessible(page, exclude=["#desktop"])


def test_a_guest_sees_only_the_data_and_cannot_upload(signed_in, owner, launch, devcloud):
    uuid = launch(owner)
    (experiment,) = Instance.objects.get(uuid=uuid).experiments.all()
    data = Path(devcloud.options["dcache_root"]) / experiment.data_path.lstrip("/")  # the door's stand-in
    data.mkdir(parents=True, exist_ok=True)
    (data / "run-0001.h5").write_bytes(b"frames")
    guest = make_user()
    elsewhere(lambda: Instance.objects.get(uuid=uuid).members.create(user=guest, role=Role.GUEST))
    page = signed_in(guest, f"/instances/{uuid}/")
    dialog = open_files(page)
    expect(dialog.locator("#files-list tbody tr")).to_have_count(1)
    dialog.get_by_role("button", name="data/").click()
    dialog.get_by_role("button", name="700000/").click()
    with page.expect_download() as download:
        dialog.get_by_role("link", name="Download run-0001.h5").click()
    assert Path(download.value.path()).read_bytes() == b"frames"
    expect(dialog.locator("#files-upload")).to_be_hidden()

    # on a phone, Files is under Menu, and the panel fits without sideways scrolling
    dialog.get_by_role("button", name="Close").click()
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("button", name="Menu").click()
    dialog = open_files(page)
    expect(dialog.get_by_role("link", name="run-0001.h5", exact=True)).to_be_visible()
    assert page.evaluate("() => { const a = document.querySelector('#files-dialog article');"
                         " return a.scrollWidth <= a.clientWidth && document.documentElement.scrollWidth <= 390; }")


def test_a_stranger_has_no_files_panel(signed_in, owner, launch):
    uuid = launch(owner)
    stranger = make_user()
    stranger.is_staff = True  # staff see the page (to ask for access), not the files
    elsewhere(stranger.save)
    page = signed_in(stranger, f"/instances/{uuid}/")
    expect(page.get_by_role("button", name="Files")).to_have_count(0)
