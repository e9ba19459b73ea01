"""The walking skeleton as a new user tries it, in Debian's chromium driven by Playwright."""
import re

from tests.support.browser import CANVAS_HAS_PIXELS, SHOTS, sign_in, signed_in_at_doi
from tests.support.factories import make_experiment, make_user


def launch_and_see_the_desktop(page):
    page.get_by_role("button", name=re.compile("Launch")).first.click()
    page.wait_for_url(re.compile(r"/instances/[0-9a-f-]{36}/$"))
    page.locator("#state", has_text="ACTIVE").wait_for()
    page.wait_for_function(CANVAS_HAS_PIXELS)


def test_sign_in_open_a_doi_launch_and_see_the_desktop(page, committed):
    user = make_user()
    SHOTS.mkdir(parents=True, exist_ok=True)

    page.goto("/doi/10.22003/XFEL.EU-DATA-700000-00")
    page.get_by_role("link", name="Sign in").first.click()
    sign_in(page, user)
    page.wait_for_url(re.compile(r"/doi/"))
    assert page.get_by_text("Open data").is_visible()
    page.screenshot(path=SHOTS / "doi.png")
    page.get_by_role("button", name="Launch").click()

    page.wait_for_url(re.compile(r"/instances/[0-9a-f-]{36}/$"))
    page.locator("#state", has_text="ACTIVE").wait_for()
    page.wait_for_function(CANVAS_HAS_PIXELS)
    assert page.get_by_text("Connected to your desktop.").is_visible()
    page.screenshot(path=SHOTS / "instance.png")
    page.get_by_role("button", name="Details").click()
    assert page.get_by_text("/pnfs/xfel.eu/exfel/archive/XFEL/raw/SPB/201701/p700000").is_visible()


def test_a_member_of_nothing_finds_open_data_launches_it_and_cannot_launch_closed_data(page, committed):
    user = make_user()
    make_experiment(title="Unreleased femtosecond chemistry", dois=["10.5555/browser-closed"])
    page.goto("/search")
    page.get_by_role("link", name="Sign in").first.click()
    sign_in(page, user)
    page.wait_for_url(re.compile(r"/search$"))

    page.get_by_label("Words in the title").fill("photoactive yellow")
    page.get_by_role("button", name="Search").click()
    assert page.get_by_text("1 experiment found.").is_visible()
    page.screenshot(path=SHOTS / "search.png")
    page.get_by_role("link", name=re.compile("photoactive yellow protein")).click()
    page.wait_for_url(re.compile(r"/doi/10.22003/xfel.eu-data-700000-00"))
    launch_and_see_the_desktop(page)

    answer = page.goto("/doi/10.5555/browser-closed")
    assert answer.status == 403
    assert page.get_by_role("button", name="Launch").count() == 0
    assert page.get_by_role("alert").is_visible()
    page.screenshot(path=SHOTS / "doi-closed.png")


def test_share_view_only_viewer_cannot_control_and_sees_the_revocation(browser, stack, devcloud, committed):
    from instances.models import Instance

    owner, viewer = make_user(), make_user()
    owner_page, viewer_page = signed_in_at_doi(browser, stack.url, [owner, viewer])
    try:
        owner_page.get_by_role("button", name="Launch").click()
        owner_page.get_by_text("Connected to your desktop.").wait_for()
        owner_page.get_by_role("button", name="Share").click()
        owner_page.locator("#share-form").get_by_role("button", name="Create link").click()
        link = owner_page.locator("#new-link").input_value()

        viewer_page.goto(link)
        viewer_page.get_by_role("button", name="Join the desktop").click()
        viewer_page.locator("#role-chip", has_text="View only").wait_for()
        viewer_page.wait_for_function(CANVAS_HAS_PIXELS)
        owner_page.locator("#connected li", has_text=viewer.username).wait_for()
        owner_page.keyboard.press("Escape")  # closes the share panel

        instance = Instance.objects.get(owner=owner)
        inputs = lambda: devcloud.server(instance.server_id)["inputs"]  # noqa: E731
        before = inputs()
        canvas = viewer_page.locator("#desktop canvas")
        canvas.click(position={"x": 100, "y": 100})
        canvas.press("a")
        viewer_page.mouse.move(300, 300)
        viewer_page.wait_for_timeout(500)
        assert inputs() == before
        owner_page.locator("#desktop canvas").click(position={"x": 100, "y": 100})  # the owner's do
        owner_page.wait_for_timeout(500)
        assert inputs()["pointer"] > before["pointer"]
        viewer_page.screenshot(path=SHOTS / "viewer.png")

        owner_page.get_by_role("button", name="Share").click()
        owner_page.locator("#links li", has_text="view-only").get_by_role("button", name="Revoke").click()
        viewer_page.get_by_text("The share link you joined with was revoked.").wait_for(timeout=5_000)
        owner_page.screenshot(path=SHOTS / "owner-sharing.png")
        owner_page.keyboard.press("Escape")
        owner_page.get_by_role("button", name="Details").click()
        owner_page.once("dialog", lambda dialog: dialog.accept())
        owner_page.get_by_role("button", name="Delete instance").click()
        owner_page.wait_for_url(re.compile(r"/$"))
    finally:
        for page in (owner_page, viewer_page):
            page.context.close()
