"""The instance page in the browser: build progress pushed live, then the desktop filling the window
under its toolbar; full screen, clipboard, special keys, reconnecting by itself after the link
drops, the resolution following the window (with TigerVNC's Xvnc), and what a stopped desktop says."""
import re
import time

import pytest

from deploy.devcloud import xvnc
from deploy.devcloud.testing import start_devcloud
from instances.models import Instance
from tests.support.a11y import assert_accessible
from tests.support.browser import CANVAS_HAS_PIXELS, SHOTS, VIEWPORT, open_page, sign_in
from tests.support.factories import make_experiment, make_user
from tests.support.stack import Stack

DOI = "/doi/10.22003/XFEL.EU-DATA-700000-00"

# Records each state the live part showed and each connection notice, from the first paint on
# (a reload would start the record again).
RECORD = """
window.statesSeen = [];
window.noticesSeen = [];
const record = (list, value) => { if (value && list.at(-1) !== value) list.push(value); };
new MutationObserver(() => {
    record(window.statesSeen, document.getElementById('status')?.dataset.state);
    record(window.noticesSeen, document.getElementById('connection')?.textContent);
}).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""


def launch(page, user, while_building=None):
    """Sign in, launch the open-data DOI's desktop (calling `while_building` once on its page),
    and wait until it shows; its Instance."""
    page.goto(f"/accounts/login/?next={DOI}")
    sign_in(page, user)
    page.wait_for_url(re.compile(r"/doi/"))
    page.get_by_role("button", name="Launch").click()
    page.wait_for_url(re.compile(r"/instances/[0-9a-f-]{36}/$"))
    if while_building:
        while_building()
    page.get_by_text("Connected to your desktop.").wait_for()
    page.wait_for_function(CANVAS_HAS_PIXELS)
    return Instance.objects.get(uuid=page.url.rstrip("/").rsplit("/", 1)[1])


def delete(page):
    page.get_by_role("button", name="Details").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete instance").click()
    page.wait_for_url(re.compile(r"/$"))


def test_building_is_shown_live_then_the_desktop_fills_the_window(page, devcloud, committed):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.add_init_script(RECORD)

    def building():
        step = page.locator("#status ol.steps li.current")
        step.wait_for()
        assert page.get_by_role("heading", name="Preparing your desktop").is_visible()
        page.screenshot(path=SHOTS / "instance-building.png")
        assert_accessible(page, exclude=["#desktop"])
        devcloud.clear_faults()

    devcloud.faults(delay=1)  # a slow cloud, so that building takes long enough to look at
    try:
        instance = launch(page, make_user(), while_building=building)
    finally:
        devcloud.clear_faults()

    seen = page.evaluate("window.statesSeen")
    assert seen[-1] == "ACTIVE" and len(seen) > 1, seen  # pushed while the page stayed open
    desktop = page.locator("#desktop canvas").bounding_box()
    toolbar = page.locator(".desk-bar").bounding_box()
    assert toolbar["height"] <= 50 and desktop["y"] >= toolbar["height"] - 1
    assert desktop["height"] >= VIEWPORT["height"] - toolbar["height"] - 2  # scaled to the window
    assert page.locator("#time-left").is_visible()
    page.locator("#quality", has_text=re.compile(r"(Good|Fair|Poor) · \d+ ms")).wait_for()
    page.screenshot(path=SHOTS / "instance-desktop.png")
    assert_accessible(page, exclude=["#desktop"])

    page.get_by_role("button", name="Details").click()
    assert page.get_by_text("/pnfs/xfel.eu/exfel/archive/XFEL/raw/SPB/201701/p700000").is_visible()
    page.screenshot(path=SHOTS / "instance-details.png")
    assert_accessible(page, exclude=["#desktop"])
    page.keyboard.press("Escape")

    # Stopped: the page says what that means and offers Start.
    page.get_by_role("button", name="Details").click()
    page.locator("#manage").get_by_role("button", name="Stop").click()
    page.get_by_role("heading", name="This desktop is stopped").wait_for()
    assert page.get_by_text("Its disk and files are kept").is_visible()
    page.screenshot(path=SHOTS / "instance-stopped.png")
    assert_accessible(page, exclude=["#desktop"])
    page.get_by_role("button", name="Start the desktop").click()
    page.get_by_text("Connected to your desktop.").wait_for(timeout=60_000)
    page.wait_for_function(CANVAS_HAS_PIXELS)
    assert Instance.objects.get(pk=instance.pk).state == "ACTIVE"
    delete(page)


def test_full_screen_clipboard_and_keys(page, devcloud, committed):
    instance = launch(page, make_user())
    inputs = lambda: devcloud.server(instance.server_id)["inputs"]  # noqa: E731

    page.get_by_role("button", name="Full screen").click()
    page.wait_for_function("document.fullscreenElement !== null")
    page.get_by_role("button", name="Exit full screen").click()
    page.wait_for_function("document.fullscreenElement === null")

    before = inputs()
    page.get_by_role("button", name="Clipboard").click()
    page.get_by_label("Text copied on the desktop").fill("λ = 1.2 Å from the browser")
    page.get_by_role("button", name="Send to the desktop").click()
    page.get_by_text("Sent: paste it on the desktop.").wait_for()
    page.screenshot(path=SHOTS / "instance-clipboard.png")
    assert_accessible(page, exclude=["#desktop"])
    page.wait_for_timeout(500)
    assert inputs()["clipboard"] == before["clipboard"] + 1  # the proxy relayed the ClientCutText

    page.get_by_role("button", name="Keys").click()
    page.screenshot(path=SHOTS / "instance-keys.png")
    page.get_by_role("button", name="Ctrl+Alt+Del").click()
    page.wait_for_timeout(500)
    assert inputs()["key"] >= before["key"] + 6  # three keys down and up
    delete(page)


def test_a_dropped_connection_reconnects_by_itself(page, devcloud, committed):
    page.add_init_script(RECORD)
    launch(page, make_user())

    devcloud.restart()  # the cloud's desktops go down and come back, as after a network cut
    page.wait_for_function("window.noticesSeen.some(n => n.startsWith('Connection lost — reconnecting in'))")
    page.screenshot(path=SHOTS / "instance-reconnecting.png")
    page.wait_for_function("window.noticesSeen.at(-1).endsWith('Connected to your desktop.')", timeout=60_000)
    page.wait_for_function(CANVAS_HAS_PIXELS)
    delete(page)


def test_a_kicked_viewer_sees_why_and_is_not_reconnected(browser, stack, devcloud, committed):
    owner_page, viewer_page = open_page(browser, stack.url), open_page(browser, stack.url)
    try:
        launch(owner_page, make_user())
        owner_page.get_by_role("button", name="Share").click()
        owner_page.locator("#share-form").get_by_role("button", name="Create link").click()
        link = owner_page.locator("#new-link").input_value()
        viewer = make_user()
        viewer_page.goto("/accounts/login/?next=" + link.removeprefix(stack.url))
        sign_in(viewer_page, viewer)
        viewer_page.get_by_role("button", name="Join the desktop").click()
        viewer_page.wait_for_function(CANVAS_HAS_PIXELS)
        assert viewer_page.locator("#role-chip", has_text="View only").is_visible()
        owner_page.locator("#presence", has_text="2 connected").wait_for()  # pushed, not polled
        owner_page.screenshot(path=SHOTS / "instance-share.png")
        assert_accessible(owner_page, exclude=["#desktop"])

        owner_page.locator("#connected li", has_text=viewer.username).get_by_role("button", name="Disconnect").click()
        viewer_page.get_by_text("The owner disconnected you from this desktop.").wait_for()
        owner_page.locator("#presence", has_text="1 connected").wait_for()
        viewer_page.wait_for_timeout(3000)
        assert "reconnecting" not in viewer_page.locator("#connection").inner_text()
        viewer_page.screenshot(path=SHOTS / "instance-kicked.png")
        owner_page.keyboard.press("Escape")
        delete(owner_page)
    finally:
        owner_page.context.close()
        viewer_page.context.close()


@pytest.fixture
def xvnc_stack(stack, tmp_path_factory):
    """visa on a devcloud whose desktops are TigerVNC's Xvnc (which can change its screen size),
    in the demo's layout without Redis so that its tasks stay apart from the usual stack's. Each
    stack's reconciler would take the other cloud's instances for vanished, so the usual stack's
    worker rests meanwhile."""
    stack.worker.terminate()
    stack.worker.wait(10)
    directory = tmp_path_factory.mktemp("xvnc-cloud")
    # Its own (empty) dCache folder: the desktop's message window then has the same size anywhere.
    cloud = start_devcloud(directory, vnc="xvnc", dcache_root=directory / "dcache")
    xvnc_stack = Stack(tmp_path_factory.mktemp("xvnc-stack"), cloud.auth_url, env={"REDIS_URL": ""})
    yield xvnc_stack
    xvnc_stack.stop()
    cloud.stop()
    stack.worker = stack.start_worker()


CANVAS_FILLS_STAGE = """() => {
    const canvas = document.querySelector('#desktop canvas'), stage = document.getElementById('stage');
    return canvas.width === stage.clientWidth && canvas.height === stage.clientHeight;
}"""


@pytest.mark.skipif(not xvnc.available(), reason="TigerVNC's Xvnc is not installed")
def test_with_xvnc_the_resolution_follows_the_window_and_the_clipboard_comes_back(browser, xvnc_stack, committed):
    page = open_page(browser, xvnc_stack.url)
    try:
        instance = launch(page, make_user())
        page.wait_for_function(CANVAS_FILLS_STAGE)  # 1024x768 at first, then the window's size
        page.screenshot(path=SHOTS / "instance-xvnc.png")

        # Selecting a word in the desktop's message window (Xvnc sends the selection to viewers)
        # puts it into the clipboard panel.
        page.mouse.dblclick(243, 401)  # "devcloud", where xmessage centred itself on the first 1024x768 screen
        page.wait_for_function("document.getElementById('clipboard-text').value === 'devcloud'")
        page.get_by_role("button", name="Clipboard").click()
        page.screenshot(path=SHOTS / "instance-xvnc-clipboard.png")
        page.get_by_role("button", name="Close").click()

        page.set_viewport_size({"width": 1000, "height": 640})
        page.wait_for_function(CANVAS_FILLS_STAGE)
        assert page.evaluate("document.querySelector('#desktop canvas').width") == 1000
        delete(page)
        while Instance.objects.get(pk=instance.pk).state != "DELETED":  # before its cloud goes
            time.sleep(0.2)
    finally:
        page.context.close()


def test_what_the_page_says_when_data_is_no_longer_readable_and_when_the_desktop_fails(stack, devcloud, committed):
    from django.contrib.auth import get_user_model

    from openaccess.models import ExperimentMember
    from tests.support.web import WebUser

    owner, colleague = (WebUser(stack.url, make_user().username, "pw-for-tests") for _ in range(2))
    users = get_user_model().objects
    experiment = make_experiment(members=[users.get(username=owner.username), users.get(username=colleague.username)],
                                 dois=["10.5555/page-closed"])
    uuid, _ = owner.launch_from_doi("/doi/10.5555/page-closed")
    owner.wait_for_state(uuid, "ACTIVE")
    with owner.open_desktop(uuid):
        colleague.join(owner.share(uuid, access="interactive"))
        assert "Opening the desktop" in colleague.get(f"/instances/{uuid}/").text
        ExperimentMember.objects.filter(experiment=experiment, user__username=colleague.username).delete()
        page = colleague.get(f"/instances/{uuid}/").text
        assert "The desktop is not open to you now" in page
        assert f"This desktop shows data you may not read (proposal {experiment.proposal_id})." in page

    devcloud.break_server(Instance.objects.get(uuid=uuid).server_id)
    owner.wait_for_state(uuid, "ERROR")
    page = owner.get(f"/instances/{uuid}/").text
    assert "This desktop failed" in page and "Delete it and launch a new one" in page
    assert "What happened: <span id=\"reason\">The virtual machine failed: devcloud: injected failure" in page
    assert "Traceback" not in page
    owner.delete_instance(uuid)
