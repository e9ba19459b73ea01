"""Placement rules as operators write them in Django admin and as scientists see them on the
launch page, in Debian's chromium driven by Playwright."""
import re

import pytest

from instances.models import Image, PlacementRule
from tests.support.a11y import assert_accessible
from tests.support.browser import SHOTS
from tests.support.factories import make_user


@pytest.fixture
def cleanup_rules(committed):
    yield
    PlacementRule.objects.filter(name__startswith="Test ").delete()


def test_an_operator_writes_a_rule_and_a_name_the_cloud_lacks_is_refused(operator, cleanup_rules):
    page = operator
    page.goto("/admin/instances/placementrule/add/")
    page.get_by_label("Name").fill("Test instrument control")
    page.get_by_label("Instrument").fill("SPB/SFX")
    page.get_by_label("Networks").fill("devcloud-net, instrumnet-net")
    page.get_by_label("Security groups").fill("desktop,instrument")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("The cloud has no network instrumnet-net.").wait_for()
    assert not PlacementRule.objects.filter(name="Test instrument control").exists()
    assert_accessible(page, preload=False)
    page.screenshot(path=SHOTS / "admin-placement-refused.png", full_page=True)

    page.get_by_label("Networks").fill("devcloud-net, instrument-net")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text(re.compile("was added successfully")).wait_for()
    rule = PlacementRule.objects.get(name="Test instrument control")
    assert (rule.network_names, rule.security_group_names) == (["devcloud-net", "instrument-net"],
                                                               ["desktop", "instrument"])


def test_the_launch_page_says_where_the_desktop_will_run_and_why(signed_in, cleanup_rules):
    ubuntu = Image.objects.get(name="Ubuntu 24.04 Desktop")
    rule = PlacementRule.objects.create(name="Test SPB desktops", networks="devcloud-net,instrument-net",
                                        security_groups="desktop", instrument="SPB/SFX")
    rule.images.set([ubuntu])
    page = signed_in(make_user(), "/instances/new?proposals=700000")
    placement = page.locator("#placement")
    page.get_by_role("radio", name=re.compile("Ubuntu 24.04 Desktop")).check()
    placement.get_by_text("devcloud-net, instrument-net").wait_for()
    assert placement.get_by_text("Test SPB desktops: the data is of instrument SPB/SFX; "
                                 "the environment is Ubuntu 24.04 Desktop.").is_visible()
    assert_accessible(page)
    page.screenshot(path=SHOTS / "wizard-placement.png")

    page.get_by_role("radio", name=re.compile("AlmaLinux 9 Desktop")).check()  # the rule is for Ubuntu only
    placement.get_by_text("No rule matched: the cloud's defaults.").wait_for()
    assert placement.get_by_text("the cloud’s default").count() == 2

    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
