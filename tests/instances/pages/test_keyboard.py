"""The desktop page by keyboard alone, in Debian's chromium: the desktop takes the focus once
connected, F6 leaves it for the toolbar, Tab leads back to it, the skip link goes straight to it,
and the focus ring can be seen."""
import re

from tests.support.browser import open_page, sign_in
from tests.support.factories import make_user
from tests.support.web import WebUser

FOCUSED = "document.activeElement.tagName + (document.activeElement.id ? '#' + document.activeElement.id : '')"
RING = "parseFloat(getComputedStyle(document.activeElement).outlineWidth)"


def test_the_desktop_by_keyboard(browser, stack, committed):
    owner = make_user()
    page = open_page(browser, stack.url)
    try:
        page.goto("/accounts/login/?next=/doi/10.22003/XFEL.EU-DATA-700000-00")
        sign_in(page, owner)
        page.wait_for_url(re.compile(r"/doi/"))
        page.get_by_role("button", name="Launch").click()
        page.get_by_text("Connected to your desktop.").wait_for()
        page.wait_for_function(f"{FOCUSED} === 'CANVAS'")

        page.keyboard.press("F6")
        assert page.evaluate(FOCUSED) == "BUTTON#clipboard-button"
        assert page.evaluate(RING) >= 3
        for _ in range(12):
            page.keyboard.press("Tab")
            if page.evaluate(FOCUSED) == "CANVAS":
                break
        assert page.evaluate(FOCUSED) == "CANVAS"
        assert page.evaluate(RING) >= 3
        assert page.evaluate("document.activeElement.getAttribute('aria-label')").endswith("F6 leaves it.")

        page.keyboard.press("F6")
        page.focus(".skip")
        assert page.locator(".skip").inner_text() == "Skip to the desktop"
        page.keyboard.press("Enter")
        assert page.evaluate(FOCUSED) == "CANVAS"
    finally:
        page.context.close()
        for instance in owner.instances.all():
            WebUser(stack.url, owner.username, "pw-for-tests").delete_instance(instance.uuid, wait=False)
