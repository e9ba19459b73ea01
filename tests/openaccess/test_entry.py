"""Entry points as portals link them: /instances/new?dois=...&proposals=..., and a Launch that
finds the desktop the user already has with that data."""
import re

import pytest
from django.contrib.auth import get_user_model

from tests.support.factories import give_room, make_experiment, make_user
from tests.support.web import DEMO_DOI_PAGE, WebUser, preselected


@pytest.fixture
def scientist(stack, committed):
    return WebUser(stack.url, give_room(make_user()).username, "pw-for-tests")


def test_the_portal_link_preselects_what_the_user_may_read_and_names_the_rest(scientist, committed):
    member = get_user_model().objects.get(username=scientist.username)
    mine = make_experiment(members=[member], data_path="/pnfs/mine/p1")
    closed = make_experiment(data_path="/pnfs/closed/p2")
    page = scientist.get(f"/instances/new?dois=10.22003/XFEL.EU-DATA-700000-00,10.9999/nothing,not-a-doi"
                         f"&proposals={mine.proposal_id},{closed.proposal_id},no-such-proposal")
    assert page.status_code == 200
    checked = re.findall(r'name="experiment" value="(\d+)" checked', page.text)
    assert len(checked) == 2 and str(mine.pk) in checked
    for name, why in [("10.9999/nothing", "nothing is registered under this name"),
                      ("not-a-doi", "this is not a DOI"),
                      (closed.proposal_id, "you may not read this data"),
                      ("no-such-proposal", "nothing is registered under this name")]:
        assert f"<code>{name}</code>: {why}." in page.text
    assert "/pnfs/closed/p2" not in page.text

    form = {"experiment": checked, **preselected(page.text)}
    answer = scientist.post_form("/instances/new", "/instances/new", form)
    uuid = re.search(r"/instances/([0-9a-f-]{36})/$", answer.url)[1]
    assert "/pnfs/mine/p1" in answer.text and "/pnfs/xfel.eu/exfel/archive/XFEL/raw/SPB/201701/p700000" in answer.text
    scientist.delete_instance(uuid)


def test_launch_goes_to_the_desktop_the_user_already_has_with_that_data(scientist):
    first, _ = scientist.launch_from_doi()
    again, page = scientist.launch_from_doi()
    assert again == first and "You already have a desktop with this data" in page.text
    assert "You already have a desktop with this data" in scientist.get(DEMO_DOI_PAGE).text

    second, _ = scientist.launch_from_doi(another=True)
    assert second != first
    for uuid in (first, second):
        scientist.delete_instance(uuid)


def test_a_refused_launch_goes_back_only_to_a_page_of_ours(scientist, committed):
    closed = make_experiment()
    page = scientist.get(DEMO_DOI_PAGE).text
    form = {"experiment": closed.pk, "back": "https://evil.example/phish", **preselected(page)}
    answer = scientist.post_form(DEMO_DOI_PAGE, "/instances/launch", form)
    assert answer.url == scientist.base_url + "/"
    assert f"You may not read the data of {closed.proposal_id}." in answer.text
