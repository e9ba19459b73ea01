"""Every page a user can reach, on a phone (390x844) in Debian's chromium, with long data paths,
technique lists, titles and names: none scrolls sideways and each passes axe; a screenshot of each
goes to test-output/screenshots/phone-*.png. On the desktop page the toolbar folds into a Menu."""
import datetime
import re

import pytest

from instances.sharing.links import create_link
from openaccess.models import Dataset
from tests.support.a11y import assert_accessible
from tests.support.browser import CANVAS_HAS_PIXELS, PHONE, SHOTS, SIDEWAYS, VIEWPORT, open_page, sign_in
from tests.support.factories import give_room, make_experiment, make_plain_instance, make_user
from tests.support.web import WebUser

LONG_PATH = "/pnfs/xfel.eu/exfel/archive/XFEL/raw/SPB/201901/p002316/very/long/path"
TITLE = ("Serial femtosecond crystallography of photosystem II in its S-states at room temperature, "
         "with simultaneous X-ray emission spectroscopy of the manganese cluster")
TECHNIQUES = ["serial femtosecond crystallography", "X-ray emission spectroscopy", "small-angle X-ray scattering",
              "X-ray photon correlation spectroscopy", "coherent diffraction imaging", "pump-probe"]
NAME = "photosystem_II_reanalysis_with_the_second_beamtime_calibration_constants_v2"
FOCUSED = "document.activeElement.id || document.activeElement.tagName"


@pytest.fixture
def world(committed):
    """A staff user (the most header links, a long name) who took part in an experiment with a long
    title, data path and list of techniques."""
    user = give_room(make_user())
    user.first_name, user.last_name, user.is_staff = "Maximiliane", "Oberstaatsanwaltsschreiberin", True
    user.save()
    released = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    experiment = make_experiment(title=TITLE, data_path=LONG_PATH, techniques=TECHNIQUES, members=[user],
                                 keywords=["photosystem", "oxygen-evolving complex"],
                                 release_date=released, instrument="SPB/SFX")
    doi = f"10.22003/xfel.eu-data-{experiment.proposal_id}-00"
    Dataset.objects.create(doi=doi, experiment=experiment, title=TITLE)
    return {"user": user, "experiment": experiment, "doi": doi}


def with_cards(world):
    """Desktop cards with long names: one stopped, one failed with a long reason, and one without
    the data, which the DOI page offers to open it in (none has a server: the reconciler may call
    the stopped ones failed); and a share link to the first."""
    ends = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=3)
    stopped = make_plain_instance(world["user"], state="STOPPED", experiments=[world["experiment"]], name=NAME,
                                  expires_at=ends)
    make_plain_instance(world["user"], state="ERROR", experiments=[world["experiment"]], name=NAME + "_2",
                        state_reason="The cloud refused the build: " + "no valid host was found; " * 4)
    make_plain_instance(world["user"], state="STOPPED", name=NAME + "_without_data", expires_at=ends)
    _, world["secret"] = create_link(stopped, world["user"], "view-only")


def bad_request(page, world):
    """A launch form with a tampered field: the 400 page."""
    page.goto(f"/doi/{world['doi']}")
    page.evaluate("""() => {
        const form = document.querySelector('form[action="/instances/launch"]');
        form.querySelectorAll('[name=image]').forEach((field) => field.remove());
        form.insertAdjacentHTML('beforeend', '<input type="hidden" name="image" value="abc">');
        form.submit();
    }""")
    page.get_by_role("heading", name="This request cannot be answered").wait_for()


PAGES = {
    "sign-in": None,
    "home": "/",
    "new-desktop": "/instances/new?dois={doi}",
    "doi": "/doi/{doi}",
    "doi-error": "/doi/10.22003/no-such-dataset",
    "search": "/search?q=photosystem",
    "join": "/join/{secret}",
    "join-error": "/join/not-a-link-anyone-made",
    "support": "/support",
    "api-tokens": "/account/api-tokens",
    "help": "/help",
    "400": bad_request,
    "404": "/no/such/page",
}


@pytest.mark.parametrize("name", PAGES)
def test_no_page_scrolls_sideways_on_a_phone(browser, stack, world, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with_cards(world)
    page = open_page(browser, stack.url, viewport=PHONE)
    try:
        page.goto("/accounts/login/?next=/help")
        if name != "sign-in":
            sign_in(page, world["user"])
            page.wait_for_url(re.compile("/help"))
            target = PAGES[name]
            if callable(target):
                target(page, world)
            else:
                page.goto(target.format(**world))
        page.wait_for_load_state("networkidle")
        page.screenshot(path=SHOTS / f"phone-{name}.png", full_page=True)
        assert page.evaluate(SIDEWAYS) <= 0, f"{name} is wider than the phone"
        assert_accessible(page)
    finally:
        page.context.close()


def test_the_desktop_toolbar_folds_into_a_menu_on_a_phone(browser, stack, devcloud, world):
    page = open_page(browser, stack.url, viewport=PHONE)
    uuid = None
    devcloud.faults(delay=1)  # a slow cloud, so that the building page can be looked at
    try:
        page.goto(f"/accounts/login/?next=/doi/{world['doi']}")
        sign_in(page, world["user"])
        page.get_by_role("button", name=re.compile("Launch")).first.click()
        page.wait_for_url(re.compile(r"/instances/[0-9a-f-]{36}/$"))
        uuid = page.url.rstrip("/").rsplit("/", 1)[1]
        page.locator("#status ol.steps li.current").wait_for()
        page.screenshot(path=SHOTS / "phone-desktop-building.png")
        assert page.evaluate(SIDEWAYS) <= 0
        assert_accessible(page, exclude=["#desktop"])
        devcloud.clear_faults()
        page.wait_for_function(CANVAS_HAS_PIXELS, timeout=60_000)
        page.wait_for_function(f"{FOCUSED} === 'CANVAS'")
        # The connection notice is read out, not shown, once connected.
        assert page.locator("#connection").inner_text() == "Connected to your desktop."
        assert page.locator("#connection").bounding_box()["width"] <= 1
        menu = page.get_by_role("button", name="Menu")
        assert menu.is_visible() and not page.get_by_role("button", name="Details").is_visible()
        assert page.locator("#time-left").is_visible()
        page.screenshot(path=SHOTS / "phone-desktop.png")
        assert page.evaluate(SIDEWAYS) <= 0
        assert_accessible(page, exclude=["#desktop"])

        # By keyboard: F6 leaves the desktop for the Menu button; Enter opens the menu at its first
        # tool; Escape closes the Keys list, then the menu, and the focus is back on the button.
        page.keyboard.press("F6")
        assert page.evaluate(FOCUSED) == "menu-button"
        page.keyboard.press("Enter")
        assert menu.get_attribute("aria-expanded") == "true"
        assert page.evaluate(FOCUSED) == "clipboard-button"
        page.screenshot(path=SHOTS / "phone-desktop-menu.png")
        assert page.evaluate(SIDEWAYS) <= 0
        assert_accessible(page, exclude=["#desktop"])
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # Keys opens its list inside the menu
        assert page.get_by_role("button", name="Ctrl+Alt+Del").is_visible()
        page.wait_for_timeout(400)  # Pico fades the list in
        page.screenshot(path=SHOTS / "phone-desktop-keys.png")
        assert page.evaluate(SIDEWAYS) <= 0
        details = page.get_by_role("button", name="Details")
        details.scroll_into_view_if_needed()  # the menu scrolls when the list makes it taller than the window
        assert details.is_visible() and details.bounding_box()["y"] + details.bounding_box()["height"] <= PHONE["height"]
        assert page.evaluate("document.scrollingElement.scrollTop") == 0  # the menu scrolled, not the page
        page.keyboard.press("Escape")  # the list first
        assert not page.get_by_role("button", name="Ctrl+Alt+Del").is_visible()
        assert menu.get_attribute("aria-expanded") == "true"
        page.keyboard.press("Escape")
        assert menu.get_attribute("aria-expanded") == "false"
        assert page.evaluate(FOCUSED) == "menu-button"
        assert not page.get_by_role("button", name="Details").is_visible()

        # Share and Details open over the menu; the data path wraps in Details.
        menu.click()
        page.get_by_role("button", name="Share").click()
        page.get_by_role("heading", name="Share this desktop").wait_for()
        page.screenshot(path=SHOTS / "phone-desktop-share.png")
        assert page.evaluate(SIDEWAYS) <= 0
        assert_accessible(page, exclude=["#desktop"])
        page.keyboard.press("Escape")
        assert page.evaluate(FOCUSED) == "share-button"  # the dialog gives it back; the menu is still open
        page.get_by_role("button", name="Details").click()
        assert page.get_by_text(LONG_PATH).is_visible()
        page.screenshot(path=SHOTS / "phone-desktop-details.png")
        assert page.evaluate(SIDEWAYS) <= 0
        assert page.evaluate("document.querySelector('#details-dialog article').scrollWidth"
                             " <= document.querySelector('#details-dialog article').clientWidth")
        assert_accessible(page, exclude=["#desktop"])
        page.keyboard.press("Escape")

        # A click elsewhere closes the menu; Clipboard closes it and opens its panel.
        page.locator(".desk-bar h1").click()
        assert menu.get_attribute("aria-expanded") == "false"
        menu.click()
        page.get_by_role("button", name="Clipboard").click()
        assert page.get_by_label("Text copied on the desktop").is_visible()
        assert menu.get_attribute("aria-expanded") == "false"
        page.screenshot(path=SHOTS / "phone-desktop-clipboard.png")
        assert page.evaluate(SIDEWAYS) <= 0

        # Turned to a laptop's width with the menu open: today's toolbar, the menu closed.
        menu.click()
        page.set_viewport_size(VIEWPORT)
        page.wait_for_function("document.getElementById('menu-button').ariaExpanded === 'false'")
        assert page.get_by_role("button", name="Details").is_visible() and not menu.is_visible()
        assert page.locator(".desk-bar").bounding_box()["height"] <= 50
    finally:
        devcloud.clear_faults()
        page.context.close()
        if uuid:
            WebUser(stack.url, world["user"].username, "pw-for-tests").delete_instance(uuid, wait=False)
