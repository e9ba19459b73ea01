"""The claim mapping on its own (the browser tests in tests/oidc/ go through a real provider)."""
import pytest
from django.core.exceptions import SuspiciousOperation
from django.test import override_settings

from openaccess.models import FacilityAccount
from tests.support.factories import make_user
from visa.auth import ClaimsBackend, groups_from

PROVIDER = {f"OIDC_{name}": f"https://aai.test/{name}" for name in (
    "OP_TOKEN_ENDPOINT", "OP_USER_ENDPOINT", "OP_JWKS_ENDPOINT")} | {
    "OIDC_RP_CLIENT_ID": "visa", "OIDC_RP_CLIENT_SECRET": "secret"}
HELMHOLTZ = {
    "OIDC_CLAIMS": {"username": "sub", "email": "email", "first_name": "given_name", "last_name": "family_name",
                    "groups": "eduperson_entitlement", "facility_user_id": "facility_user_id"},
    # The example in docs/operators.md.
    "OIDC_GROUPS_PATTERN": r"urn:geant:helmholtz\.de:group:([^#]+)#login\.helmholtz\.de",
}
ENTITLEMENTS = [
    "urn:geant:helmholtz.de:group:HZB#login.helmholtz.de",
    "urn:geant:helmholtz.de:group:HZB:BESSY#login.helmholtz.de",
    "urn:mace:dir:entitlement:common-lib-terms",
]


@override_settings(**PROVIDER, **HELMHOLTZ)
def test_entitlements_become_the_groups_the_pattern_names():
    assert groups_from({"eduperson_entitlement": ENTITLEMENTS}) == {"HZB", "HZB:BESSY"}
    assert groups_from({"eduperson_entitlement": ENTITLEMENTS[0]}) == {"HZB"}
    assert groups_from({}) == set()


@override_settings(**PROVIDER, **HELMHOLTZ, OIDC_ALLOWED_GROUPS=["HZB"])
def test_claims_without_a_user_name_or_an_allowed_group_are_refused():
    backend = ClaimsBackend()
    assert backend.verify_claims({"sub": "a1b2", "eduperson_entitlement": ENTITLEMENTS})
    assert not backend.verify_claims({"eduperson_entitlement": ENTITLEMENTS})
    assert not backend.verify_claims({"sub": "  ", "eduperson_entitlement": ENTITLEMENTS})
    assert not backend.verify_claims({"sub": "a1b2", "eduperson_entitlement": ENTITLEMENTS[2:]})


@pytest.mark.django_db
@override_settings(**PROVIDER, **HELMHOLTZ)
def test_a_facility_user_id_that_is_someone_elses_refuses_the_sign_in_and_changes_nothing():
    holder = make_user()
    FacilityAccount.objects.create(user=holder, facility_user_id="F-42")
    backend = ClaimsBackend()
    with pytest.raises(SuspiciousOperation):
        backend.create_user({"sub": "newcomer", "facility_user_id": "F-42", "eduperson_entitlement": ENTITLEMENTS})
    assert not type(holder).objects.filter(username="newcomer").exists()
    assert FacilityAccount.objects.get(facility_user_id="F-42").user == holder


IDENTITY_CLAIMS = {**HELMHOLTZ["OIDC_CLAIMS"], "login": "uid", "uid": "uidNumber", "gid": "gidNumber", "group": "",
                   "unix_groups": "posixGroups", "home": "homeDirectory"}


@pytest.mark.django_db
@override_settings(**PROVIDER, **HELMHOLTZ | {"OIDC_CLAIMS": IDENTITY_CLAIMS})
def test_the_facility_identity_comes_from_the_claims_and_a_harmful_value_is_left_out(caplog):
    backend = ClaimsBackend()
    user = backend.create_user({"sub": "a1b2", "facility_user_id": "F-7", "uid": "alice", "uidNumber": "41001",
                                "gidNumber": 4100, "posixGroups": ["spb", "xfel:3001"], "homeDirectory": "/home/alice"})
    account = FacilityAccount.objects.get(user=user)
    assert (account.facility_user_id, account.login, account.uid, account.gid) == ("F-7", "alice", 41001, 4100)
    assert (account.groups, account.home, account.has_identity) == (["spb", "xfel:3001"], "/home/alice", True)

    backend.update_user(user, {"sub": "a1b2", "uid": "alice", "uidNumber": "0", "posixGroups": "spb,wheel:0",
                               "homeDirectory": "/home/../root"})
    account.refresh_from_db()
    assert (account.uid, account.groups, account.home) == (41001, ["spb", "xfel:3001"], "/home/alice")  # kept
    assert "OIDC claim 'uidNumber' for a1b2 ignored" in caplog.text
    assert "OIDC claim 'posixGroups' for a1b2 ignored" in caplog.text
