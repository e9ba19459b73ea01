"""Sign-in by OpenID Connect: the provider's claims mapped to a Django user, its groups (which
feed the per-group quotas) and its facility user id (which openaccess matches members by).

Which claim holds what is configured (settings.OIDC_CLAIMS), because Keycloak, eduTEAMS and
Helmholtz AAI name them differently; docs/operators.md has examples.
"""
import logging
import re
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.models import Group
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.db import transaction
from django.shortcuts import redirect, resolve_url
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

from openaccess.models import FacilityAccount

log = logging.getLogger(__name__)
GROUP_NAME_LENGTH = Group._meta.get_field("name").max_length


def claim(claims, name):
    """A claim's value as text ("" when missing or not configured)."""
    value = claims.get(name) if name else None
    return str(value).strip() if value is not None else ""


def groups_from(claims):
    """The group names the claims grant: every value of the groups claim that matches
    OIDC_GROUPS_PATTERN, renamed to the pattern's first group when it has one."""
    values = claims.get(settings.OIDC_CLAIMS["groups"]) or []
    if isinstance(values, str):
        values = [values]
    pattern = re.compile(settings.OIDC_GROUPS_PATTERN)
    names = set()
    for value in values:
        match = pattern.fullmatch(str(value))
        if match:
            names.add(match.group(1) if pattern.groups else match.group(0))
    too_long = {name for name in names if len(name) > GROUP_NAME_LENGTH}
    if too_long:
        log.warning("OIDC groups longer than %d characters ignored: %s", GROUP_NAME_LENGTH, sorted(too_long))
    return names - too_long


class ClaimsBackend(OIDCAuthenticationBackend):
    """Finds or creates the user named by the username claim and brings its e-mail, names,
    groups and facility user id up to date with the claims at every sign-in."""

    def verify_claims(self, claims):
        username = claim(claims, settings.OIDC_CLAIMS["username"])
        if not username or len(username) > self.UserModel._meta.get_field("username").max_length:
            log.warning("OIDC sign-in refused: no usable %r claim", settings.OIDC_CLAIMS["username"])
            return False
        allowed = set(settings.OIDC_ALLOWED_GROUPS)
        if allowed and not allowed & groups_from(claims):
            log.warning("OIDC sign-in refused for %s: in none of OIDC_ALLOWED_GROUPS", username)
            return False
        return True

    def filter_users_by_claims(self, claims):
        return self.UserModel.objects.filter(username=claim(claims, settings.OIDC_CLAIMS["username"]))

    def describe_user_by_claims(self, claims):
        return f"username {claim(claims, settings.OIDC_CLAIMS['username'])}"

    @transaction.atomic
    def create_user(self, claims):
        user = self.UserModel.objects.create_user(claim(claims, settings.OIDC_CLAIMS["username"]))
        log.info("OIDC first sign-in: created user %s", user.username)
        return self.update_user(user, claims)

    @transaction.atomic
    def update_user(self, user, claims):
        mapping = settings.OIDC_CLAIMS
        user.email = claim(claims, mapping["email"]) or user.email
        user.first_name = claim(claims, mapping["first_name"])[:150] or user.first_name
        user.last_name = claim(claims, mapping["last_name"])[:150] or user.last_name
        user.save()
        if mapping["groups"]:
            user.groups.set([Group.objects.get_or_create(name=name)[0] for name in groups_from(claims)])
        account = identity_from(claims, user)
        facility_user_id = claim(claims, mapping["facility_user_id"])
        if facility_user_id:
            if len(facility_user_id) > FacilityAccount._meta.get_field("facility_user_id").max_length:
                raise SuspiciousOperation(f"facility user id too long: {facility_user_id[:40]}...")
            taken = FacilityAccount.objects.filter(facility_user_id=facility_user_id).exclude(user=user)
            if taken.exists():
                raise SuspiciousOperation(
                    f"facility user id {facility_user_id} already belongs to {taken.get().user}")
            account["facility_user_id"] = facility_user_id
        if account:
            FacilityAccount.objects.update_or_create(user=user, defaults=account)
        return user


IDENTITY_FIELDS = ("login", "uid", "gid", "group", "home")


def identity_from(claims, user):
    """The user's POSIX identity at the facility from the claims configured in OIDC_CLAIMS: each
    value checked as FacilityAccount checks it; a value that fails (uid 0, "../x", "Alice") is
    left out, with a warning, rather than given to a VM."""
    mapping, found = {"unix_groups": "", **dict.fromkeys(IDENTITY_FIELDS, ""), **settings.OIDC_CLAIMS}, {}
    wanted = {name: claim(claims, mapping[name]) for name in IDENTITY_FIELDS if mapping[name]}
    if mapping["unix_groups"]:
        values = claims.get(mapping["unix_groups"]) or []
        values = values.split(",") if isinstance(values, str) else values
        wanted["groups"] = [str(v).strip() for v in values] if isinstance(values, list) else [str(values)]
    for name, value in wanted.items():
        if value in ("", []):
            continue
        try:
            found[name] = FacilityAccount._meta.get_field(name).clean(value, None)
        except ValidationError as error:
            claimed = mapping["unix_groups" if name == "groups" else name]
            log.warning("OIDC claim %r for %s ignored: %s", claimed, user.username, " ".join(error.messages))
    return found


class CallbackView(OIDCAuthenticationCallbackView):
    """The provider's answer; a refused sign-in goes back to the sign-in page with a reason."""

    @property
    def failure_url(self):
        return resolve_url("login")

    def login_failure(self):
        messages.error(self.request, f"Signing in with {settings.OIDC_PROVIDER_NAME} did not succeed. "
                                     "Your account there may not be allowed to use visa.")
        return super().login_failure()


def provider_logout_url(request):
    """Where to end the session at the provider too (RP-initiated logout), or None."""
    id_token = request.session.get("oidc_id_token")
    if not (getattr(settings, "OIDC_OP_LOGOUT_ENDPOINT", "") and id_token):
        return None
    query = urlencode({
        "id_token_hint": id_token,
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL)),
    })
    return f"{settings.OIDC_OP_LOGOUT_ENDPOINT}?{query}"


class LogoutView(auth_views.LogoutView):
    """Django's sign-out; whoever signed in at the provider is signed out there as well."""

    def post(self, request, *args, **kwargs):
        at_provider = provider_logout_url(request)  # read before the session is flushed
        response = super().post(request, *args, **kwargs)
        return redirect(at_provider) if at_provider else response
