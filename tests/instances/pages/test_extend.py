"""An end that is near, in Debian's chromium: the card and the toolbar highlight it and offer
Extend, which opens the request at its first field; the request waits alone, and the operators'
decision reaches the open page."""
import re
from datetime import timedelta

from django.utils import timezone

from instances.lifecycle import expiry
from instances.models import Instance
from tests.support.a11y import assert_accessible
from tests.support.browser import SHOTS, open_page, sign_in
from tests.support.factories import make_instance, make_user
from tests.support.threads import elsewhere


def test_a_near_end_is_highlighted_extended_and_decided(browser, stack, committed):
    owner = make_user()
    instance = make_instance(owner, state="STOPPED")
    Instance.objects.filter(pk=instance.pk).update(expires_at=timezone.now() + timedelta(hours=20))
    page = open_page(browser, stack.url)
    try:
        page.goto("/accounts/login/?next=/")
        sign_in(page, owner)
        card = page.locator(f"#card-{instance.uuid}")
        card.locator(".expiry.soon", has_text="expires in 19 hours").wait_for()
        assert re.search(r"\d{4} \d\d:\d\d (CET|CEST)$", card.locator(".expiry time").get_attribute("title"))
        page.screenshot(path=SHOTS / "home-ends-soon.png")
        card.get_by_role("link", name="Extend").click()

        page.wait_for_url(re.compile(r"#extend$"))
        assert page.locator("#details-dialog").is_visible()
        page.wait_for_function("document.activeElement.id === 'id_days'")
        page.locator("#id_days").fill("3")
        page.get_by_label("Why").fill("the last runs need another look")
        page.get_by_role("button", name="Ask for a longer lifetime").click()
        page.get_by_text("Your request was sent to the operators.").wait_for()
        assert page.locator("#time-left.soon").is_visible() and page.locator("#extend-button").count() == 0

        page.get_by_role("button", name="Details").click()
        page.locator("#extension-status", has_text="You asked for 3 more days on").wait_for()
        assert_accessible(page)
        page.locator("#id_days").fill("1")
        page.get_by_label("Why").fill("and one more")
        page.get_by_role("button", name="Ask for a longer lifetime").click()
        page.get_by_text("You asked for 3 more days already; the operators have not decided yet.").wait_for()

        page.get_by_role("button", name="Details").click()
        elsewhere(expiry.decide, instance.extensions.get(), "operator", True)  # as an operator in admin would
        page.locator("#extension-status", has_text=re.compile(
            r"Your request for 3 more days was accepted on .* (CET|CEST)\.")).wait_for(timeout=5_000)
        page.keyboard.press("Escape")
        page.locator("#time-left:not(.soon)", has_text="3 days left").wait_for()
    finally:
        page.context.close()
        Instance.objects.filter(pk=instance.pk).delete()
