"""A hostile client against every page and endpoint of the site, signed in: each URL pattern is
called with generated path values, query strings and form fields (the names the site's own forms
and views read, with ids out of range, text with NUL characters, non-numbers, ...), and the API's
with generated JSON bodies. Nothing may answer 5xx: a bad request is the client's mistake and
gets a 4xx saying so. (tests/test_api_schema.py fuzzes the API against its schema besides.)"""
import json
import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from instances.models import AccessRequest, DesktopSession, InstanceMember, Role
from instances.sharing import links
from tests.support.factories import make_experiment, make_instance, make_user

# Django's admin, sign-out (which would end the session) and the API's own documents are not ours to fuzz;
# readiness answers 503 while a dependency is away (here the cloud), its meaning (tests/monitoring/).
SKIPPED = re.compile(r"^(admin/|accounts/logout/|oidc/|api/schema/|api/docs/|health/ready)")
# What the views read from query strings besides the forms' fields.
QUERY_NAMES = ["experiment", "q", "page", "page_size", "year", "access", "sort", "dois", "proposals", "listed",
               "state", "facility", "instrument", "technique", "next", "v"]
HUGE = "99999999999999999999"
# Values a hostile client sends: out of range, not numbers, NUL characters, very long, or just anything.
values = st.one_of(
    st.sampled_from(["", "0", "-1", "1", "1.5", "abc", HUGE, "\x00", "1\x00", "9" * 5000, "a" * 3000,
                     "view-only", "interactive", "guest", "10.22003/XFEL.EU-DATA-700000-00", "1e308", "nan"]),
    st.integers(min_value=-(2 ** 70), max_value=2 ** 70).map(str),
    st.text(max_size=40),
)


def patterns(resolver=None, prefix=""):
    """Every URL pattern of the site as (route, the names of its path converters)."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from patterns(entry, route)
        elif isinstance(entry, URLPattern) and not SKIPPED.match(route):
            yield route


ROUTES = sorted(set(patterns()))


def path_value(converter, site):
    """A strategy for one path converter: the site's real objects mostly, else anything it matches."""
    if converter == "uuid":
        return st.sampled_from([site["uuid"], "00000000-0000-0000-0000-000000000000"])
    if converter == "int":
        return st.one_of(st.sampled_from(site["ids"]), st.sampled_from(["0", HUGE, "9" * 400]),
                         st.integers(min_value=0, max_value=2 ** 70).map(str))
    return st.text(min_size=1, max_size=40).filter(lambda s: "/" not in s and s.strip())


def form_names(client, pages):
    """The names of every field the site's pages offer (inputs, selects, text areas, hx-vals)."""
    names = set()
    for page in pages:
        html = client.get(page).content.decode()
        names.update(re.findall(r'\bname="([^"]+)"', html))
        names.update(key for vals in re.findall(r"hx-vals='([^']+)'", html) for key in json.loads(vals))
    return sorted(names - {"csrfmiddlewaretoken"})


def make_site():
    """A signed-in owner with a desktop that has data, a member, a link, a session, a support
    request and an API token, so that generated requests reach the views' code, not just 404s.
    Nobody signs in with a password (hashing one takes long), so none is set."""
    owner = make_user(password=None)
    experiment = make_experiment(members=[owner], dois=["10.22003/xfel.eu-data-fuzz"])
    instance = make_instance(owner, [experiment])
    InstanceMember.objects.create(instance=instance, user=make_user(password=None), role=Role.GUEST)
    token, _ = links.create_token(instance, owner, Role.GUEST)
    session = DesktopSession.objects.create(instance=instance, user=make_user(password=None), name="x", role=Role.GUEST,
                                            channel_name="fuzz")
    staff = make_user(password=None)
    staff.is_staff = True
    staff.save()
    asked = AccessRequest.objects.create(instance=instance, user=staff)
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    client.post("/account/api-tokens", {"name": "fuzz", "expires_in": "30"})
    return {"client": client, "uuid": str(instance.uuid),
            "ids": [str(pk) for pk in (experiment.pk, token.pk, session.pk, asked.pk, owner.api_tokens.get().pk,
                                       instance.image_id, instance.flavour_id)]}


@pytest.fixture(scope="module")
def field_names(django_db_setup, django_db_blocker):
    """What the site's pages offer to fill in, read once (rolled back: the pages are all it needs)."""
    with django_db_blocker.unblock(), transaction.atomic():
        site = make_site()
        uuid = site["uuid"]
        pages = ["/", "/search", "/instances/new", f"/instances/{uuid}/", "/account/api-tokens",
                 "/doi/10.22003/xfel.eu-data-fuzz"]
        names = form_names(site["client"], pages)
        transaction.set_rollback(True)
    return sorted(set(names) | set(QUERY_NAMES))


@pytest.fixture
def site(db, field_names):
    return {**make_site(), "names": field_names}


def no_server_error(answer, method, url, sent):
    assert answer.status_code < 500, f"{method} {url} {sent!r} answered {answer.status_code}"


def fill(route, site, data):
    """The route with each converter replaced by a generated value."""
    def value(match):
        converter = match.group(1) or "str"
        return data.draw(path_value(converter, site), label=match.group(2))
    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


@pytest.mark.parametrize("route", ROUTES)
@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_no_query_string_or_form_makes_a_server_error(site, route, data):
    url = fill(route, site, data)
    fields = data.draw(st.dictionaries(st.sampled_from(site["names"]), st.lists(values, min_size=1, max_size=3),
                                       max_size=5), label="fields")
    method = data.draw(st.sampled_from(["get", "post"]), label="method")
    answer = getattr(site["client"], method)(url, fields)
    no_server_error(answer, method, url, fields)


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2 ** 70), max_value=2 ** 70), st.floats(),
              st.text(max_size=20), values),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.sampled_from(
                                   ["image", "flavour", "experiments", "dois", "name", "days", "reason", "access",
                                    "hours", "max_uses", "email", "label"]), children, max_size=5)),
    max_leaves=12,
)
API_ROUTES = [route for route in ROUTES if route.startswith("api/")]


@pytest.mark.parametrize("route", API_ROUTES)
@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_no_json_body_makes_a_server_error(site, route, data):
    url = fill(route, site, data)
    body = data.draw(JSON, label="body")
    answer = site["client"].post(url, json.dumps(body), content_type="application/json")
    no_server_error(answer, "post", url, body)


@pytest.mark.parametrize("route", ["api/instances/", "api/instances/<uuid>/extend/", "api/instances/<uuid>/share-tokens/"])
def test_a_json_nesting_bomb_is_a_bad_request(site, route):
    bomb = "[" * 100_000 + "]" * 100_000
    answer = site["client"].post("/" + route.replace("<uuid>", site["uuid"]), bomb, content_type="application/json")
    assert answer.status_code == 400
    assert answer.json() == {"detail": "JSON parse error - the body is nested too deeply."}


@pytest.mark.parametrize(("method", "url", "fields", "message"), [
    ("post", "/instances/launch", {"image": "abc", "flavour": "1"}, "“image” takes ids, which are whole numbers."),
    ("post", "/instances/launch", {"image": "1", "flavour": "1", "experiment": "1\x00"},
     "“experiment” takes ids, which are whole numbers."),
    ("post", "/instances/{uuid}/attach", {"experiment": HUGE + "0"}, "“experiment” takes ids, which are whole numbers."),
    ("post", "/instances/{uuid}/detach", {"experiment": "x"}, "“experiment” takes ids, which are whole numbers."),
    ("post", "/quotas/approval", {"reason": "why\x00"}, "“reason” may not contain NUL characters."),
])
def test_a_bad_id_or_text_gets_a_page_saying_what_was_wrong(site, method, url, fields, message):
    answer = getattr(site["client"], method)(url.format(uuid=site["uuid"]), fields)
    assert answer.status_code == 400 and message in answer.content.decode()


def test_a_form_sends_back_only_to_a_page_of_this_site(site):
    for back, to in [("/search?q=x", "/search?q=x"), ("0", "/"), ("https://elsewhere.example/", "/")]:
        assert site["client"].post("/quotas/approval", {"back": back})["Location"] == to


def test_nul_characters_in_searches_are_ignored(site):
    client = site["client"]
    assert client.get("/instances/new/search", {"q": "\x00"}).status_code == 200
    assert client.get("/instances/new", {"proposals": "\x00"}).status_code == 200
    refused = client.post(f"/instances/{site['uuid']}/links", {"access": "view-only", "label": "a\x00"})
    assert refused.status_code == 400
    assert refused.json() == {"error": "The label and the e-mail address may not contain NUL characters."}


def test_a_request_for_another_host_name_is_a_bad_request(site):
    """Django refuses a Host not in ALLOWED_HOSTS before visa's middleware runs: its 400 page has no
    user to show notices for, and must still be a 400, not a server error."""
    for client in (site["client"], Client()):  # signed in, and not
        answer = client.get("/", HTTP_HOST="evil.example")
        assert answer.status_code == 400 and "This request cannot be answered" in answer.content.decode()
