"""The People part of the Share dialog, in Debian's chromium: the owner adds a colleague by user
name, copies a new link, and removes and blocks a viewer, whose page says why at once."""
import re

from tests.support.a11y import assert_accessible
from tests.support.browser import CANVAS_HAS_PIXELS, SHOTS, signed_in_at_doi
from tests.support.factories import make_user
from tests.support.web import WebUser


def test_the_owner_adds_a_colleague_and_removes_and_blocks_a_viewer(browser, stack, committed):
    owner, colleague, viewer = make_user(), make_user(), make_user()
    owner_page, viewer_page = signed_in_at_doi(browser, stack.url, [owner, viewer])
    try:
        owner_page.get_by_role("button", name="Launch").click()
        owner_page.get_by_text("Connected to your desktop.").wait_for()
        owner_page.get_by_role("button", name="Share").click()

        owner_page.get_by_label("Add a person: user name or e-mail").fill(colleague.username)
        owner_page.locator("#member-form").get_by_label("Access").select_option("interactive")
        owner_page.locator("#member-form").get_by_role("button", name="Add").click()
        owner_page.get_by_text(f"{colleague.username} has access now").wait_for()
        owner_page.locator("#members li", has_text=colleague.username).get_by_text("(interactive)").wait_for()

        owner_page.locator("#share-form").get_by_role("button", name="Create link").click()
        owner_page.get_by_role("button", name="Copy").click()
        owner_page.locator("#copy-link", has_text=re.compile("Copied|Press Ctrl\\+C")).wait_for()
        link = owner_page.locator("#new-link").input_value()
        assert owner_page.locator("#links li", has_text="View-only link").get_by_text("0 uses").is_visible()

        viewer_page.goto(link)
        viewer_page.get_by_role("button", name="Join the desktop").click()
        viewer_page.wait_for_function(CANVAS_HAS_PIXELS)
        member = owner_page.locator("#members li", has_text=viewer.username)
        member.get_by_text("(view-only, joined with View-only link)").wait_for()
        owner_page.screenshot(path=SHOTS / "share-people.png")
        assert_accessible(owner_page, exclude=["#desktop"])

        member.get_by_role("button", name="Remove and block").click()
        viewer_page.get_by_text("The owner removed you from this desktop.").wait_for(timeout=5_000)
        owner_page.locator("#blocked li", has_text=viewer.username).wait_for()
        viewer_page.goto(link)
        viewer_page.get_by_role("button", name="Join the desktop").click()
        viewer_page.get_by_text("The owner removed you from this desktop. Ask them to add you again.").wait_for()

        owner_page.locator("#blocked li", has_text=viewer.username).get_by_role("button", name="Unblock").click()
        owner_page.locator("#blocked").wait_for(state="detached")
    finally:
        for page in (owner_page, viewer_page):
            page.context.close()
        for instance in owner.instances.all():
            WebUser(stack.url, owner.username, "pw-for-tests").delete_instance(instance.uuid, wait=False)
