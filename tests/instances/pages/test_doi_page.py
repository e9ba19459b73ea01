"""The DOI landing page as data portals link to it, over HTTP from the running service."""
import datetime
import re

import pytest
import requests
from django.utils import timezone

from tests.support.factories import make_experiment, make_user
from tests.support.web import DEMO_DOI_PAGE, WebUser, preselected


@pytest.fixture
def reader(stack, committed):
    return WebUser(stack.url, make_user().username, "pw-for-tests")


def test_malformed_doi_is_a_400_that_shows_the_expected_form(reader):
    page = reader.get("/doi/not-a-doi")
    assert page.status_code == 400
    assert "A DOI looks like 10.22003/XFEL.EU-DATA-700000-00" in page.text


def test_unknown_doi_is_a_404(reader):
    page = reader.get("/doi/10.9999/nothing-here")
    assert page.status_code == 404 and "No dataset with the DOI 10.9999/nothing-here" in page.text


def test_closed_data_is_a_403_that_says_when_it_opens_and_hides_the_paths(reader, committed):
    opens = timezone.now() + datetime.timedelta(days=400)
    make_experiment(release_date=opens, dois=["10.5555/closed-1"], data_path="/pnfs/secret/p1")
    page = reader.get("/doi/10.5555/CLOSED-1")
    assert page.status_code == 403
    assert f"it opens to everyone on {timezone.localtime(opens):%-d %B %Y}" in page.text
    assert "/pnfs/secret/p1" not in page.text and ">Launch<" not in page.text


def test_members_and_open_data_readers_get_launch(stack, reader, committed):
    member = make_user()
    make_experiment(members=[member], dois=["10.5555/mine-1"], data_path="/pnfs/mine/p2")
    page = WebUser(stack.url, member.username, "pw-for-tests").get("/doi/doi:10.5555/mine-1")
    assert page.status_code == 200 and "/pnfs/mine/p2" in page.text and ">Launch<" in page.text

    page = reader.get("/doi/https://doi.org/10.22003/XFEL.EU-DATA-700000-00")
    assert page.status_code == 200 and "Open to anyone who signs in" in page.text and ">Launch<" in page.text


def test_anonymous_visitors_are_asked_to_sign_in_and_see_no_paths(stack):
    page = requests.get(stack.url + "/doi/10.22003/XFEL.EU-DATA-700000-00")
    assert page.status_code == 200 and "to analyse this data" in page.text
    assert "/pnfs/" not in page.text


def test_the_search_api_answers_what_the_user_may_read(reader, committed):
    make_experiment(title="Secret photoactive follow-up", dois=["10.5555/api-closed"])
    answer = reader.get("/api/experiments/?q=photoactive&sort=title")
    assert answer.status_code == 200
    body = answer.json()
    assert [r["proposal_id"] for r in body["results"]] == ["700000"]
    assert body["results"][0]["dois"] == ["10.22003/xfel.eu-data-700000-00"]
    assert {"value": "SPB/SFX", "count": 1} in body["facets"]["instrument"]
    anonymous = requests.get(reader.base_url + "/api/experiments/?q=photoactive").json()  # open data only
    assert [r["proposal_id"] for r in anonymous["results"]] == ["700000"] and anonymous["results"][0]["data_path"] is None


def test_pressing_launch_twice_makes_one_desktop(reader):
    """A double click, or a form sent again, carries the form's own launch key: one desktop."""
    page = reader.get(DEMO_DOI_PAGE).text
    form = {**preselected(page), "another": "1",
            "experiment": re.search(r'name="experiment" value="(\d+)"', page)[1],
            "launch_key": re.search(r'name="launch_key" value="(\w+)"', page)[1]}
    first = reader.post_form(DEMO_DOI_PAGE, "/instances/launch", form)
    second = reader.post_form(DEMO_DOI_PAGE, "/instances/launch", form)
    assert re.search(r"/instances/[0-9a-f-]{36}/$", first.url) and second.url == first.url
    assert reader.get("/api/instances/").json()["count"] == 1
    another = reader.get(DEMO_DOI_PAGE).text  # a new page is a new form: Launch there makes another
    assert re.search(r'name="launch_key" value="(\w+)"', another)[1] != form["launch_key"]
