"""The experiments API without an account, as a portal's script or a crawler calls it: open data
only, no data paths, and at most VISA_ANONYMOUS_API_RATE requests per address (counted in Redis,
so across web processes), with a 429 that says when to try again; the signed-in are not limited.
Each test comes from addresses of its own (X-Forwarded-For, which uvicorn trusts from loopback)."""
import datetime
import uuid

import pytest
import requests
from django.core.cache import cache
from django.utils import timezone

from tests.support.apiclient import ApiClient
from tests.support.factories import make_experiment, make_user
from tests.support.stack import Stack, end

RATE = 4  # requests a minute


@pytest.fixture(scope="module")
def stack(seeded, devcloud, tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("anonymous"), devcloud.auth_url, worker=False,
                  env={"VISA_ANONYMOUS_API_RATE": f"{RATE}/minute"})
    yield stack
    stack.stop()


def anonymous(address):
    """A client without an account, from `address`, whose count starts at nothing."""
    cache.delete(f"throttle_anon_{address}")  # the stack's cache: the same Redis
    http = requests.Session()
    http.headers["X-Forwarded-For"] = address
    return http


@pytest.fixture
def catalogue(committed):
    word = f"quasicrystal{uuid.uuid4().hex[:8]}"  # committed rows stay: words of this test's own
    past = timezone.now() - datetime.timedelta(days=1)
    opened = make_experiment(title=f"Open {word}", release_date=past, techniques=["tomography"],
                             dois=[f"10.5555/anon-{word}"], data_path="/pnfs/open/anon")
    closed = make_experiment(title=f"Closed {word}", dois=[f"10.5555/closed-{word}"], data_path="/pnfs/closed/anon")
    return word, opened, closed


def test_anyone_searches_open_data_without_its_paths(stack, catalogue):
    word, opened, closed = catalogue
    http = anonymous("198.51.100.21")
    found = http.get(f"{stack.url}/api/experiments/", params={"q": word})
    assert found.status_code == 200, found.text
    body = found.json()
    assert [e["title"] for e in body["results"]] == [opened.title]
    assert body["results"][0]["data_path"] is None and "/pnfs/" not in found.text
    assert body["facets"]["technique"] == [{"value": "tomography", "count": 1}]
    by_doi = http.get(f"{stack.url}/api/experiments/", params={"q": f"https://doi.org/10.5555/ANON-{word}"})
    assert [e["title"] for e in by_doi.json()["results"]] == [opened.title]

    one = http.get(f"{stack.url}/api/experiments/by-doi/doi:10.5555/anon-{word}")
    assert one.status_code == 200 and one.json()["open"] is True and one.json()["data_path"] is None
    refused = http.get(f"{stack.url}/api/experiments/{closed.pk}/")
    assert refused.status_code == 403 and "/pnfs/" not in refused.text
    assert refused.json()["detail"].endswith(f"{closed.proposal_id}: it opens on "
                                             f"{refused.json()['release_date'][:10]}. Its members sign in to read it.")


def test_signed_in_readers_still_get_paths(stack, catalogue):
    word, opened, _ = catalogue
    found = ApiClient(stack.url, make_user()).get("/api/experiments/", params={"q": word})
    assert found.json()["results"][0]["data_path"] == "/pnfs/open/anon"


def test_too_many_anonymous_requests_are_a_429_saying_when_to_try_again(stack, catalogue):
    word, *_ = catalogue
    http = anonymous("203.0.113.31")
    for _ in range(RATE):
        assert http.get(f"{stack.url}/api/experiments/", params={"q": word}).status_code == 200
    refused = http.get(f"{stack.url}/api/experiments/by-doi/10.5555/anon-{word}")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["detail"].startswith("Too many requests without signing in from your address: sign in")
    # A forged address in front of the one the proxy saw counts for the one the proxy saw...
    forged = http.get(f"{stack.url}/api/experiments/", headers={"X-Forwarded-For": "192.0.2.1, 203.0.113.31"})
    assert forged.status_code == 429
    # ...while another address, and anyone signed in from this one, go on.
    assert anonymous("203.0.113.32").get(f"{stack.url}/api/experiments/").status_code == 200
    signed_in = ApiClient(stack.url, make_user())
    signed_in.http.headers["X-Forwarded-For"] = "203.0.113.31"
    assert signed_in.get("/api/experiments/", params={"q": word}).status_code == 200


def test_the_count_holds_across_web_processes(stack):
    other, process = stack.start_web("web-2")
    try:
        http = anonymous("203.0.113.41")
        for url in [stack.url, other] * (RATE // 2):
            assert http.get(f"{url}/api/experiments/").status_code == 200
        assert http.get(f"{other}/api/experiments/").status_code == 429
        assert http.get(f"{stack.url}/api/experiments/").status_code == 429
    finally:
        end(process)
