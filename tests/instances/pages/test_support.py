"""Support asks for access, in Debian's chromium: the owner is told at once on the desktop page,
admits them there, and support's own page lists what they asked and where they may go."""

from tests.support.a11y import assert_accessible
from tests.support.browser import CANVAS_HAS_PIXELS, SHOTS, signed_in_at_doi
from tests.support.factories import make_user
from tests.support.web import WebUser


def test_the_owner_is_told_live_and_admits_support_from_the_desktop_page(browser, stack, committed):
    owner, support = make_user(), make_user()
    support.is_staff = True
    support.save()
    owner_page, support_page = signed_in_at_doi(browser, stack.url, [owner, support])
    try:
        owner_page.get_by_role("button", name="Launch").click()
        owner_page.get_by_text("Connected to your desktop.").wait_for()
        support_page.goto(owner_page.url)
        support_page.get_by_role("button", name="Ask the owner for access").click()

        ask = owner_page.get_by_role("alert").filter(has_text=f"{support.username} (support) asks for access")
        ask.wait_for(timeout=5_000)  # pushed: the owner did not open Share
        owner_page.screenshot(path=SHOTS / "support-asks.png")
        assert_accessible(owner_page, exclude=["#desktop"])

        support_page.goto("/")
        support_page.get_by_role("link", name="Support").click()
        support_page.locator("#asked li", has_text="waiting for the owner").wait_for()

        ask.get_by_role("button", name="Admit as support").click()
        ask.wait_for(state="detached")
        support_page.goto(owner_page.url)
        support_page.wait_for_function(CANVAS_HAS_PIXELS)
        support_page.goto("/support")
        support_page.locator("#admitted li", has_text="as support").wait_for()
        assert support_page.locator("#asked li", has_text="admitted as support").is_visible()
        assert_accessible(support_page)
    finally:
        for page in (owner_page, support_page):
            page.context.close()
        for instance in owner.instances.all():
            WebUser(stack.url, owner.username, "pw-for-tests").delete_instance(instance.uuid, wait=False)
