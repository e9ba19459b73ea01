"""The data attached to an instance through the API, as a script with a personal token: list it,
attach by DOI or id, detach; who may, and what a refusal says."""
import pytest

from instances.models import Instance, Role
from openaccess.models import Experiment
from tests.support.apiclient import ApiClient
from tests.support.factories import make_experiment, make_instance, make_user

OPEN_DOI = "https://doi.org/10.22003/XFEL.EU-DATA-700001-00"


@pytest.fixture
def owned(stack, committed):
    owner = make_user()
    instance = make_instance(owner, [Experiment.objects.get(proposal_id="700000")])
    yield instance, ApiClient(stack.url, owner)
    Instance.objects.filter(pk=instance.pk).delete()


def test_data_is_listed_attached_by_doi_and_detached(owned):
    instance, script = owned
    url = f"/api/instances/{instance.uuid}/experiments/"
    (first,) = script.get(url).json()["results"]
    assert first["proposal_id"] == "700000" and first["mount_point"] == "/data/700000" and first["data_path"]

    attached = script.post(url, {"doi": OPEN_DOI})
    assert attached.status_code == 201, attached.text
    assert attached.json()["proposal_id"] == "700001"
    assert script.post(url, {"experiment": attached.json()["id"]}).status_code == 200  # attached already
    assert [e["proposal_id"] for e in script.get(url).json()["results"]] == ["700000", "700001"]

    assert script.delete(f"{url}{attached.json()['id']}/").status_code == 204
    assert script.delete(f"{url}{attached.json()['id']}/").status_code == 404
    assert [e.proposal_id for e in instance.experiments.all()] == ["700000"]


def test_bad_requests_and_refusals_say_why(owned):
    instance, script = owned
    url = f"/api/instances/{instance.uuid}/experiments/"
    assert script.post(url, {}).json() == {"experiment": ["Name an experiment by id, or a DOI."]}
    assert "doi" in script.post(url, {"doi": "not a doi"}).json()
    closed = make_experiment()
    refused = script.post(url, {"experiment": closed.pk})
    assert refused.status_code == 403 and refused.json()["detail"] == f"You may not read the data of {closed.proposal_id}."

    guest = make_user()
    instance.members.create(user=guest, role=Role.GUEST)
    theirs = ApiClient(script.base_url, guest)
    assert theirs.get(url).status_code == 200
    assert theirs.post(url, {"doi": OPEN_DOI}).status_code == 403
    assert ApiClient(script.base_url, make_user()).get(url).status_code == 404


def test_launch_takes_the_preselected_environment_and_size(stack, committed):
    user = make_user()
    script = ApiClient(stack.url, user)
    created = script.post("/api/instances/", {"dois": [OPEN_DOI]})
    assert created.status_code == 201, created.text
    instance = Instance.objects.get(uuid=created.json()["uuid"])
    try:
        assert instance.flavour.name == "m1.small" and instance.image.enabled
    finally:
        script.delete(f"/api/instances/{instance.uuid}/")
