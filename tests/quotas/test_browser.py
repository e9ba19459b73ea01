"""An operator raises a user's limit in Django admin, and the user's next launch succeeds; in
Debian's chromium driven by Playwright."""
import re

from django.contrib.admin.models import LogEntry

from instances.models import Instance
from quotas.models import Purpose, Quota
from tests.support.browser import SHOTS
from tests.support.cleanup import remove
from tests.support.factories import make_user
from tests.support.web import DEMO_DOI_PAGE

INSTANCE_PAGE = re.compile(r"/instances/[0-9a-f-]{36}/$")


def test_an_operator_raises_a_users_limit_and_the_next_launch_succeeds(signed_in, committed):
    user, operator = make_user(), make_user()
    operator.is_staff = operator.is_superuser = True
    operator.save()
    quota = Quota.objects.create(user=user, purpose=Purpose.OPEN_DATA, max_instances=1)
    scientist = signed_in(user)
    try:
        scientist.goto(DEMO_DOI_PAGE)
        scientist.get_by_role("button", name="Launch").click()
        scientist.wait_for_url(INSTANCE_PAGE)
        scientist.goto(DEMO_DOI_PAGE)  # the page says so before Launch
        scientist.get_by_text("1 of 1 open-data instances running: delete one, or ask for more.").wait_for()
        scientist.screenshot(path=SHOTS / "over-quota.png")

        admin = signed_in(operator)
        admin.goto("/admin/quotas/quota/")
        admin.get_by_role("textbox").first.fill(user.username)
        admin.get_by_role("button", name="Search").click()
        row = admin.locator("#result_list tbody tr", has_text=user.username)
        assert row.locator("td.field-in_use").inner_text().startswith("1 of 1 instances running")
        row.get_by_role("checkbox").check()
        admin.locator("select[name=action]").select_option(label="Raise by one instance (with room for the largest size)")
        admin.get_by_role("button", name="Go").click()
        admin.get_by_text("Raised 1 quota(s) by one instance.").wait_for()
        assert row.locator("td.field-in_use").inner_text().startswith("1 of 2 instances running")
        admin.screenshot(path=SHOTS / "quotas-admin.png")
        admin.goto(f"/admin/quotas/quota/{quota.pk}/history/")
        assert admin.get_by_text(re.compile(r"Raised to 2 instances")).is_visible()

        scientist.reload()
        scientist.get_by_label("a second desktop, not the one I have").check()
        scientist.get_by_role("button", name="Launch").click()
        scientist.wait_for_url(INSTANCE_PAGE)
        scientist.get_by_role("button", name="Details").click()  # the data mounted is listed there
        assert scientist.get_by_text("/pnfs/xfel.eu/exfel/archive/XFEL/raw/SPB/201701/p700000").is_visible()
        assert Instance.objects.filter(owner=user).count() == 2
        assert LogEntry.objects.filter(object_id=str(quota.pk), user=operator).count() == 1
    finally:
        remove(list(Instance.objects.filter(owner=user)))
