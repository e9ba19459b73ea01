"""JupyterLab through visa, in a real browser, against devcloud's real Jupyter servers: opened from
the instance page on a notebook origin of its own, a cell that lists the mounted data, who is
refused, a revoked member's kernel closed within a second, and a notebook that can neither read
visa's cookies nor call visa's API."""
import re

import pytest
from playwright.sync_api import expect

from instances.models import Image, Instance
from openaccess.models import Experiment
from tests.support.sharing import refused

LAB_READY = ".jp-LauncherCard"
RUN = "Shift+Enter"


def put_data(devcloud):
    """A file in the demo experiment's data (devcloud's stand-in for dCache), which the VM mounts at /data/700000."""
    folder = devcloud.options["dcache_root"] / Experiment.objects.get(proposal_id="700000").data_path.lstrip("/")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "run-0042.h5").write_text("detector frames")


def open_lab(page, uuid):
    """Press JupyterLab on the instance page; the lab's tab, on the instance's notebook origin, once loaded."""
    page.goto(f"/instances/{uuid}/")
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="JupyterLab").click()
    lab = opened.value
    lab.set_default_timeout(60_000)
    lab.wait_for_selector(LAB_READY, timeout=240_000)  # the first visit starts devcloud's Jupyter server
    assert re.fullmatch(rf"http://{uuid}\.localhost:\d+/lab.*", lab.url)
    return lab


def run_cell(lab, code):
    """A new notebook with one cell of `code`, run; its output text."""
    lab.locator(".jp-LauncherCard", has_text="Python 3").first.click()
    # a cell run before the kernel is there is not run: wait as a person would, for "Idle"
    lab.get_by_text(re.compile(r"Python 3 \(ipykernel\) \| Idle")).wait_for(timeout=60_000)
    editor = lab.locator(".jp-Notebook .jp-Cell .cm-content").first
    editor.click()
    lab.keyboard.type(code)
    lab.keyboard.press(RUN)
    output = lab.locator(".jp-OutputArea-output").first
    try:
        output.wait_for(timeout=60_000)
    except Exception:
        lab.screenshot(path="/tmp/jupyter-fail.png")
        raise
    return output.inner_text()


def test_the_owner_opens_jupyterlab_and_lists_the_mounted_data(owner, launch, signed_in, devcloud):
    put_data(devcloud)
    uuid = launch(owner)
    page = signed_in(owner, f"/instances/{uuid}/")
    lab = open_lab(page, uuid)
    assert "run-0042.h5" in run_cell(lab, "import os; print(sorted(os.listdir('700000')))")
    # visa's session cookie is not on the notebook origin, and the notebook's cookie is HttpOnly
    assert lab.evaluate("document.cookie").find("sessionid") == -1
    assert not [c for c in lab.context.cookies(lab.url) if c["name"] == "sessionid"]


def test_a_notebook_cannot_call_visas_api_as_its_user(owner, launch, signed_in, stack):
    uuid = launch(owner)
    page = signed_in(owner, f"/instances/{uuid}/")
    lab = open_lab(page, uuid)
    # From the notebook's page: visa's API on visa's origin (cross-origin: no CORS, no cookie) ...
    outcome = lab.evaluate("""async (visa) => {
        try { const answer = await fetch(visa + "/api/instances/", {credentials: "include"});
              return "read " + answer.status + " " + (await answer.text()).slice(0, 80); }
        catch (error) { return "refused"; } }""", stack.url)
    assert outcome == "refused"
    # ... and on its own origin, where no page of visa answers
    same = lab.evaluate("""async () => (await fetch("/api/instances/")).status""")
    assert same == 404
    # a POST to visa with the user's cookie does nothing either (no CSRF token, another origin)
    posted = lab.evaluate("""async (visa) => {
        await fetch(visa + "/instances/%s/stop", {method: "POST", mode: "no-cors", credentials: "include"});
        return true; }""" % uuid, stack.url)
    assert posted
    assert owner.get(f"/instances/{uuid}/status").json()["state"] == "ACTIVE"


def test_a_guest_and_a_view_only_link_are_refused(owner, person, launch, signed_in):
    uuid = launch(owner)
    with owner.open_desktop(uuid):
        guest = person()
        guest.join(owner.share(uuid))
        answer = guest.get(f"/instances/{uuid}/jupyter", allow_redirects=False)
        assert answer.status_code == 403
        assert "you may only watch" in answer.text
        page = signed_in(guest, f"/instances/{uuid}/")
        assert page.get_by_role("button", name="JupyterLab").count() == 0


def test_an_environment_with_jupyterlab_only_shows_no_desktop_but_the_way_to_it(owner, launch, signed_in):
    uuid = launch(owner)
    image = Instance.objects.get(uuid=uuid).image
    Image.objects.filter(pk=image.pk).update(offers=Image.Offers.JUPYTER)
    try:
        page = signed_in(owner, f"/instances/{uuid}/")
        expect(page.get_by_role("heading", name="JupyterLab is ready")).to_be_visible()
        expect(page.get_by_text("This environment has no remote desktop")).to_be_visible()
        for desktop_only in ("Clipboard", "Full screen"):  # nothing to act on without a desktop
            expect(page.get_by_role("button", name=desktop_only)).to_have_count(0)
        expect(page.locator("#keys")).to_be_hidden()
        with page.context.expect_page() as opened:
            page.get_by_role("button", name="Open JupyterLab").click()
        assert re.fullmatch(rf"http://{uuid}\.localhost:\d+/.*", opened.value.url)
        assert page.locator("#desktop canvas").count() == 0  # noVNC never tried
        assert refused(owner, uuid) == 403  # nor may anyone else: there is no VNC server to reach
    finally:
        Image.objects.filter(pk=image.pk).update(offers=image.offers)


# The page notes when each kernel socket closes, by its own clock (Playwright's events come late on a loaded machine).
WATCH_KERNEL_SOCKETS = """window.kernelClosed = [];
const Native = window.WebSocket;
window.WebSocket = class extends Native {
    constructor(...args) {
        super(...args);
        if (String(args[0]).includes("/api/kernels/"))
            this.addEventListener("close", (event) => window.kernelClosed.push({code: event.code, at: Date.now()}));
    }
};"""


@pytest.mark.parametrize("via", ["revoke", "remove"])
def test_a_revoked_members_kernel_socket_closes_within_a_second(owner, person, launch, signed_in, via):
    uuid = launch(owner)
    with owner.open_desktop(uuid):
        member = person()
        member.join(owner.share(uuid, access="interactive"))
        page = signed_in(member, f"/instances/{uuid}/")
        page.context.add_init_script(WATCH_KERNEL_SOCKETS)
        lab = open_lab(page, uuid)
        assert "2" in run_cell(lab, "print(1 + 1)")
        sharing = owner.get(f"/instances/{uuid}/sharing").json()
        if via == "revoke":
            action = f"/instances/{uuid}/links/{sharing['links'][0]['id']}/revoke"
        else:
            mine = next(m for m in sharing["members"] if m["username"] == member.username)
            action = f"/instances/{uuid}/members/{mine['id']}/remove"
        token = owner.csrf(owner.get(f"/instances/{uuid}/").text)
        assert owner.http.post(owner.base_url + action, data={"csrfmiddlewaretoken": token}).ok
        revoked = lab.evaluate("Date.now()")  # the change is committed once the owner's page is answered
        closed = lab.wait_for_function("() => window.kernelClosed.find((entry) => entry.code === 4401)",
                                       timeout=5000).json_value()
        assert closed["at"] - revoked < 1000
        # and it stays shut: JupyterLab's reconnection and its REST calls are refused
        assert lab.evaluate("async () => (await fetch('/api/kernels')).status") == 403
