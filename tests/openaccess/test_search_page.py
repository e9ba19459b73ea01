"""/search as a visitor without an account finds it from a portal: open data only, by a DOI in any
form, words or technique, with "Sign in to launch" where Launch would be, leading to the launch
page once signed in."""
import re

from tests.support.a11y import assert_accessible
from tests.support.browser import SHOTS, sign_in
from tests.support.factories import make_experiment, make_user

DEMO = "Serial femtosecond crystallography of photoactive yellow protein"


def test_an_anonymous_visitor_finds_open_data_and_signs_in_to_launch(page, committed):
    make_experiment(title="Unreleased photoactive yellow variants", techniques=["x-ray diffraction"])
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Search data").click()
    page.wait_for_url(re.compile(r"/search$"))  # no sign-in asked
    assert page.get_by_text("Open data, for anyone to find.").is_visible()
    assert page.get_by_label("Access").count() == 0  # "my experiments" means nothing yet

    search = page.get_by_label("A DOI, a proposal number, or words")
    search.fill("https://doi.org/10.22003/XFEL.EU-DATA-700000-00")
    page.get_by_role("button", name="Search").click()
    assert page.get_by_text("1 experiment found.").is_visible()
    assert page.get_by_role("heading", name=DEMO).is_visible()

    search.fill("photoactive yellow")
    page.get_by_label("Technique").select_option(label="x-ray diffraction (1)")  # the closed one is not counted
    page.get_by_role("button", name="Search").click()
    assert page.get_by_text("1 experiment found.").is_visible()
    assert page.get_by_text("Unreleased").count() == 0
    assert page.get_by_role("button", name=re.compile("^Launch")).count() == 0
    page.screenshot(path=SHOTS / "search-anonymous.png", full_page=True)
    assert_accessible(page)

    page.get_by_role("button", name=f"Sign in to launch a desktop with {DEMO}").click()
    sign_in(page, make_user())
    page.wait_for_url(re.compile(r"/instances/new\?proposals=700000$"))
    assert page.get_by_text(DEMO).first.is_visible()


def test_what_nothing_open_matches_says(page, committed):
    page.goto("/search?q=unreleased+nothing+here")
    assert page.get_by_text("No open data matches; sign in to search your own experiments too.").is_visible()
    page.get_by_role("link", name="sign in", exact=True).click()
    page.wait_for_url(re.compile(r"/accounts/login/\?next=/search%3Fq%3Dunreleased"))
