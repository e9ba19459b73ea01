"""Operators in Django admin, in Debian's chromium driven by Playwright: what waits on the front
page, a request accepted by its button, and a new open-data quota that starts from the open-data
defaults."""
import re

from quotas.models import DEFAULT_LIMITS, ApprovalRequest, Purpose, Quota
from tests.support.a11y import assert_accessible
from tests.support.browser import SHOTS
from tests.support.factories import make_user


def test_the_front_page_shows_what_waits_and_a_request_is_accepted_by_its_button(operator, stack):
    alice, bob = make_user(), make_user()
    asked = [ApprovalRequest.objects.create(user=user, reason="tomography of a beetle") for user in (alice, bob)]
    try:
        operator.reload()
        waiting = operator.get_by_role("table", name="Waiting for you")
        pending = ApprovalRequest.objects.filter(state=ApprovalRequest.State.PENDING).count()
        assert waiting.get_by_role("row", name="Open-data approval requests").inner_text().endswith(
            f"{pending} waiting")
        assert_accessible(operator)
        operator.screenshot(path=SHOTS / "admin-front-page.png")

        waiting.get_by_role("link", name="Open-data approval requests").click()
        operator.get_by_role("link", name=alice.username).click()
        operator.get_by_role("heading", name="Decide").wait_for()
        assert_accessible(operator, preload=False)
        operator.screenshot(path=SHOTS / "admin-approval-request.png")
        operator.get_by_role("button", name="Accept").click()
        operator.get_by_text(f"Accepted {alice.username}'s request to launch on open data; "
                             "they were told by e-mail.").wait_for()
        assert operator.get_by_role("button", name="Accept").count() == 0  # decided: no more buttons
        assert_accessible(operator, preload=False)
        operator.screenshot(path=SHOTS / "admin-approval-accepted.png")
        assert ApprovalRequest.objects.get(pk=asked[0].pk).state == ApprovalRequest.State.ACCEPTED
        assert ApprovalRequest.objects.get(pk=asked[1].pk).state == ApprovalRequest.State.PENDING
        assert any(f"To: {alice.email}" in mail and "may now launch" in mail for mail in stack.mails())
    finally:
        ApprovalRequest.objects.filter(pk__in=[a.pk for a in asked]).delete()


def test_an_open_data_quota_starts_from_the_open_data_defaults(operator):
    user = make_user()
    operator.goto(f"/admin/auth/user/{user.pk}/change/")
    operator.get_by_role("link", name="Add a quota for this user").click()
    operator.get_by_role("link", name="Launches on open data only").click()
    operator.get_by_role("heading", name="Add quota").wait_for()
    opened = Quota.objects.get(purpose=Purpose.OPEN_DATA, user=None, group=None)
    assert opened.max_instances != DEFAULT_LIMITS[Purpose.MEMBER]["max_instances"]  # the test tells them apart
    for label, value in (("Running instances", opened.max_instances), ("vCPUs", opened.max_vcpus),
                         ("RAM (GB)", opened.max_ram_gb), ("Maximum lifetime (hours)", opened.max_lifetime_hours)):
        assert operator.get_by_label(re.compile(f"^{re.escape(label)}:?$", re.I)).input_value() == str(value), label
    assert operator.get_by_label("Purpose").is_disabled()
    # Django's own widgets: select2's box for the group, and the sizes' and environments' filter icons
    assert_accessible(operator, exclude=[".select2-container", ".selector .help-tooltip"], preload=False)
    operator.screenshot(path=SHOTS / "admin-add-open-data-quota.png", full_page=True)

    operator.get_by_label(re.compile("^Running instances")).fill("3")
    operator.get_by_role("button", name="Save", exact=True).click()
    operator.get_by_text(re.compile("was added successfully")).wait_for()
    quota = Quota.objects.get(user=user)
    assert (quota.purpose, quota.max_instances, quota.max_vcpus) == (Purpose.OPEN_DATA, 3, opened.max_vcpus)
    row = operator.locator("#result_list tbody tr", has_text=user.username)
    assert row.locator("td.field-in_use").inner_text().splitlines() == [
        "0 of 3 instances running", f"0 of {opened.max_vcpus} vCPUs in use", f"0 of {opened.max_ram_gb} GB of RAM in use"]
    operator.screenshot(path=SHOTS / "admin-quotas.png", full_page=True)
