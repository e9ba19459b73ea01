"""Over quota, the API and the page say what is exceeded and what to do."""
import re

from instances.models import Instance
from openaccess.models import Experiment
from tests.support.cleanup import remove
from tests.support.factories import demo_image_and_flavour, make_user
from tests.support.web import DEMO_DOI_PAGE, WebUser


def test_the_api_refuses_past_the_open_data_quota_with_a_409_and_the_page_says_the_same(stack, committed):
    user = make_user()
    scientist = WebUser(stack.url, user.username, "pw-for-tests")
    image, flavour = demo_image_and_flavour()
    experiment = Experiment.objects.get(proposal_id="700000")
    body = {"experiments": [experiment.pk], "image": image.pk, "flavour": flavour.pk}
    try:
        assert scientist.http.post(stack.url + "/api/instances/", json=body).status_code == 403  # no CSRF token

        created = scientist.post_json("/api/instances/", body)
        assert created.status_code == 201, created.text
        assert created.json()["purpose"] == "open" and created.json()["state"] in ("PENDING", "BUILDING")  # the worker may have begun

        refused = scientist.post_json("/api/instances/", body)
        assert refused.status_code == 409
        assert refused.json() == {
            "code": "quota_exceeded", "detail": "1 of 1 open-data instances running: delete one, or ask for more.",
            "resource": "instances", "used": 1, "limit": 1, "requested": 1, "purpose": "open",
            "quota": "the default quota", "ask_for_more": "/quotas/more?purpose=open",
        }
        page = scientist.get(DEMO_DOI_PAGE).text
        assert re.search(r"Your open-data quota:\s+1 of 1 instances", page)
        answer = scientist.post_form(DEMO_DOI_PAGE, "/instances/launch", {
            "experiment": experiment.pk, "image": image.pk, "flavour": flavour.pk, "back": DEMO_DOI_PAGE,
            "another": "1"})  # a second desktop, not the one the user has
        assert answer.url.endswith(DEMO_DOI_PAGE)
        assert "1 of 1 open-data instances running: delete one, or ask for more." in answer.text
        assert '<a href="/quotas/more?purpose=open">Ask for more</a>' in answer.text

        bad = scientist.post_json("/api/instances/", {**body, "flavour": 999999})
        assert bad.status_code == 400 and "flavour" in bad.json()
        assert Instance.objects.filter(owner=user).count() == 1
    finally:
        remove(list(Instance.objects.filter(owner=user)))
