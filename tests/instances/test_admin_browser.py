"""An operator stops a running desktop from its page in Django admin, in Debian's chromium driven
by Playwright: the worker stops the server in devcloud, and the page then offers Start."""
import re

from django.contrib.auth import get_user_model

from instances.models import Instance
from tests.support.a11y import assert_accessible
from tests.support.browser import SHOTS, sign_in


def test_an_operator_stops_a_desktop_by_its_button_and_cannot_edit_what_it_runs(page, owner, launch, devcloud):
    uuid = launch(owner)
    operator = get_user_model().objects.create_user("operator-" + uuid[:8], password="pw-for-tests",
                                                    is_staff=True, is_superuser=True)
    instance = Instance.objects.get(uuid=uuid)
    page.goto(f"/accounts/login/?next=/admin/instances/instance/{instance.pk}/change/")
    sign_in(page, operator)
    page.get_by_role("heading", name="Lifecycle").wait_for()
    for label in ("Owner", "Image", "Flavour", "Experiments"):  # shown, not fields to change
        assert page.locator(f"#id_{label.lower()}").count() == 0, label
        assert page.locator(f".field-{label.lower()} .readonly").is_visible(), label
    assert page.locator(".field-owner .readonly").inner_text() == owner.username
    assert page.get_by_label("Expires at").get_attribute("type") == "datetime-local"
    assert [page.get_by_role(role, name=name).count() for role, name in (
        ("button", "Start"), ("button", "Stop"), ("button", "Reboot"), ("link", "Delete…"))] == [0, 1, 1, 1]
    assert_accessible(page, preload=False)
    page.screenshot(path=SHOTS / "admin-instance-running.png", full_page=True)

    page.get_by_role("button", name="Stop").click()
    page.get_by_text(re.compile(r"Asked to stop “.+”: it is stopping now")).wait_for()
    owner.wait_for_state(uuid, "STOPPED")
    (server,) = [s for s in devcloud.servers() if s["metadata"].get("visa_instance") == uuid]
    assert devcloud.server(server["id"])["status"] == "SHUTOFF"
    page.reload()
    page.get_by_role("button", name="Start").wait_for()
    assert page.get_by_role("button", name="Stop").count() == 0
    assert page.locator(".field-state .readonly").inner_text() == "Stopped"
    page.screenshot(path=SHOTS / "admin-instance-stopped.png", full_page=True)

    page.get_by_role("link", name="Delete…").click()  # asks first
    page.get_by_role("heading", name=re.compile("Delete this instance?")).wait_for()
    assert_accessible(page)
    page.screenshot(path=SHOTS / "admin-instance-delete.png")
    page.get_by_role("link", name="No, take me back").click()
    page.get_by_role("heading", name="Lifecycle").wait_for()
    assert Instance.objects.get(uuid=uuid).state == "STOPPED"
