"""The home page in Debian's chromium: it follows a desktop from launch to Active with its picture
without a reload, stops and deletes through the cards' buttons, and shows what is shared with the
user and the quota in use. Screenshots go to test-output/screenshots/home-*.png."""
import re

from instances.models import Instance, InstanceMember, Role
from instances.tasks import capture_thumbnail
from tests.support.a11y import assert_accessible
from tests.support.browser import SHOTS, sign_in
from tests.support.factories import make_plain_instance, make_user
from tests.support.web import WebUser

IMAGE_LOADED = "image => image.complete && image.naturalWidth > 0"


def test_home_follows_a_desktop_and_acts_on_it(page, stack, committed):
    me, colleague = make_user(), make_user()
    colleague.first_name, colleague.last_name = "Grace", "Hopper"
    colleague.save()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto("/")
    sign_in(page, me)
    page.get_by_role("heading", name="No desktops yet").wait_for()
    assert page.get_by_role("button", name="Find data").is_visible()
    assert page.get_by_role("button", name="New desktop").first.is_visible()
    assert_accessible(page)
    page.screenshot(path=SHOTS / "home-empty.png", full_page=True)

    # A colleague shares a desktop with me; I launch one of my own from another tab (over HTTP).
    shared_uuid, _ = WebUser(stack.url, colleague.username, "pw-for-tests").launch_from_doi()
    InstanceMember.objects.create(instance=Instance.objects.get(uuid=shared_uuid), user=me, role=Role.GUEST)
    mine = WebUser(stack.url, me.username, "pw-for-tests")
    uuid, _ = mine.launch_from_doi()

    card = page.locator(f"#card-{uuid}")
    card.wait_for()
    page.screenshot(path=SHOTS / "home-launching.png", full_page=True)
    card.locator(".badge", has_text="Active").wait_for()  # pushed over the WebSocket: no reload
    card.locator(".shot img").wait_for()
    page.wait_for_function(IMAGE_LOADED, arg=card.locator(".shot img").element_handle())
    shared = page.locator("#shared-instances")
    shared.get_by_role("heading", name="Shared with me").wait_for()
    assert "Shared by Grace Hopper · your role: guest" in shared.inner_text()
    assert shared.get_by_role("button", name=re.compile("Stop|Delete")).count() == 0  # the owner's to do
    assert re.search(r"Open data: 1 of \d+ instances, 2 of \d+ vCPUs, 4 of \d+ GB", page.locator("#quota").inner_text())
    assert re.search(r"expires in \d+ days", card.inner_text())
    assert "photoactive yellow protein" in card.locator('ul.data a[href="/doi/10.22003/xfel.eu-data-700000-00"]').inner_text()
    page.locator(f"#card-{shared_uuid} .shot img").wait_for()
    assert_accessible(page)
    page.screenshot(path=SHOTS / "home-cards.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: one card a row
    page.screenshot(path=SHOTS / "home-narrow.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})

    # A new picture (as the periodic refresh takes) reaches the open page; the keyboard focus stays.
    page.locator(f"#open-{uuid}").focus()
    before = card.locator(".shot img").get_attribute("src")
    capture_thumbnail.delay(Instance.objects.get(uuid=uuid).pk)  # by the stack's worker
    page.wait_for_function("([uuid, before]) => document.querySelector(`#card-${uuid} .shot img`).src !== before",
                           arg=[uuid, page.evaluate("src => new URL(src, location).href", before)])
    assert page.evaluate("document.activeElement.id") == f"open-{uuid}"

    card.get_by_role("button", name="Stop").click()
    card.locator(".badge", has_text="Stopped").wait_for()
    assert page.evaluate("document.activeElement.closest('article').id") == f"card-{uuid}"  # focus stays on the card
    assert card.get_by_role("button", name="Start").is_visible()
    page.screenshot(path=SHOTS / "home-stopped.png", full_page=True)

    page.once("dialog", lambda dialog: dialog.dismiss())
    card.get_by_role("button", name="Delete").click()
    page.wait_for_timeout(500)
    assert Instance.objects.get(uuid=uuid).state == "STOPPED"  # not without confirming
    confirmations = []
    page.once("dialog", lambda dialog: (confirmations.append(dialog.message), dialog.accept()))
    card.get_by_role("button", name="Delete").click()
    card.wait_for(state="detached")
    assert confirmations and "Its disk and everything on it is lost" in confirmations[0]
    mine.wait_for_state(uuid, "DELETED")
    page.get_by_role("heading", name="No desktops yet").wait_for()  # only the shared one is left
    page.screenshot(path=SHOTS / "home-shared-only.png", full_page=True)
    WebUser(stack.url, colleague.username, "pw-for-tests").delete_instance(shared_uuid)


def test_an_action_the_desktop_no_longer_allows_says_why(page, committed):
    """A card that is out of date (here: its live updates are held back) offers Start; the answer
    that it cannot start any more is shown, not swallowed."""
    me = make_user()
    instance = make_plain_instance(me, "STOPPED", name="Stale card")
    others = [make_plain_instance(me, "BUILDING", name="Coming up"),
              make_plain_instance(me, "ERROR", name="Broken", state_reason="The cloud refused: no valid host was found.")]
    page.route_web_socket("**/ws/live", lambda socket: None)  # the page hears nothing from the server
    page.goto("/")
    sign_in(page, me)
    card = page.locator(f"#card-{instance.uuid}")
    Instance.objects.filter(pk=instance.pk).update(state="ERROR", state_reason="The virtual machine failed.")
    card.get_by_role("button", name="Start").click()
    alert = page.get_by_role("alert")
    alert.filter(has_text="You cannot start “Stale card” now: it is in error.").wait_for()
    assert_accessible(page)
    page.screenshot(path=SHOTS / "home-refused.png", full_page=True)
    assert page.get_by_text("The cloud refused: no valid host was found.").is_visible()
    Instance.objects.filter(pk__in=[instance.pk, *(other.pk for other in others)]).update(state="DELETED")
