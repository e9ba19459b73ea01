"""The experiments API as a portal's script calls it: one experiment, and the lookup by DOI with
the same answers as the DOI page (400 malformed, 404 unknown, 403 closed with its opening date),
never a data path for someone who may not read the data."""
import datetime
import uuid

import pytest
from django.utils import timezone

from instances.models import Instance
from tests.support.apiclient import ApiClient
from tests.support.factories import demo_image_and_flavour, make_experiment, make_user


@pytest.fixture
def member(committed):
    return make_user()


@pytest.fixture
def closed(member):
    opens = timezone.now() + datetime.timedelta(days=400)
    # committed rows stay for the session: a DOI of its own for each test
    return make_experiment(release_date=opens, members=[member], dois=[f"10.5555/API-{uuid.uuid4().hex}"],
                           data_path="/pnfs/secret/api-1")


def test_members_read_an_experiment_by_doi_in_any_form_portals_link(stack, member, closed):
    script = ApiClient(stack.url, member)
    doi = closed.datasets.get().doi
    for form in (doi, f"doi:{doi.upper()}", f"https://doi.org/{doi}"):
        answer = script.get(f"/api/experiments/by-doi/{form}")
        assert answer.status_code == 200, (form, answer.text)
        body = answer.json()
        assert body["proposal_id"] == closed.proposal_id and body["data_path"] == "/pnfs/secret/api-1"
        assert body["open"] is False and body["dois"] == [doi]
    assert script.get(f"/api/experiments/{closed.pk}/").json()["data_path"] == "/pnfs/secret/api-1"


def test_closed_data_is_a_403_that_says_when_it_opens_and_shows_no_path(stack, closed):
    script = ApiClient(stack.url, make_user())
    doi = closed.datasets.get().doi
    for path in (f"/api/experiments/by-doi/{doi}", f"/api/experiments/{closed.pk}/"):
        answer = script.get(path)
        assert answer.status_code == 403
        body = answer.json()
        opens = timezone.localtime(closed.release_date).date().isoformat()
        assert body["code"] == "closed" and body["release_date"].startswith(opens)
        assert body["detail"] == f"You may not read the data of proposal {closed.proposal_id}: it opens on {opens}."
        assert body["experiment"]["title"] == closed.title and "/pnfs/" not in answer.text

    refused = script.post("/api/instances/", {"dois": [doi], **_environment()})
    assert refused.status_code == 403
    assert refused.json() == {"detail": f"You may not read the data of {closed.proposal_id}."}


def test_malformed_and_unknown_dois_and_experiments(stack, committed):
    user = make_user()
    script = ApiClient(stack.url, user)
    malformed = script.get("/api/experiments/by-doi/not-a-doi")
    assert malformed.status_code == 400
    assert malformed.json() == {"detail": "“not-a-doi” is not a DOI. A DOI looks like 10.22003/XFEL.EU-DATA-700000-00."}
    unknown = script.get("/api/experiments/by-doi/10.9999/nothing-here")
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "No dataset with the DOI 10.9999/nothing-here is registered here."}
    assert script.get("/api/experiments/999999999/").status_code == 404

    launch = script.post("/api/instances/", {"dois": ["10.9999/nothing-here", "x"], **_environment()})
    assert launch.status_code == 400
    assert launch.json() == {"dois": ["No dataset with the DOI 10.9999/nothing-here is registered here."]}
    assert not Instance.objects.filter(owner=user).exists()


def test_open_data_is_read_by_anyone_signed_in(stack, committed):
    answer = ApiClient(stack.url, make_user()).get("/api/experiments/by-doi/10.22003/XFEL.EU-DATA-700000-00")
    assert answer.status_code == 200
    assert answer.json()["open"] is True and answer.json()["data_path"]


def _environment():
    image, flavour = demo_image_and_flavour()
    return {"image": image.pk, "flavour": flavour.pk}
