"""Personal API tokens: create (the secret exists only in the answer), revoke, and find the token
a request presents."""
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from visa.tokens import digest, new_secret

from .models import ApiToken

SCHEME = "visa_"  # marks a secret as ours, e.g. for secret scanners in repositories
PREFIX_LENGTH = len(SCHEME) + 6
LAST_USED_THROTTLE = timedelta(minutes=1)


def create(user, name, expires_at=None):
    """A new token and its secret, which is shown to the user once and stored nowhere."""
    secret = new_secret(SCHEME)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[:PREFIX_LENGTH], digest=digest(secret), expires_at=expires_at,
    )
    return token, secret


def revoke(token):
    ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=timezone.now())
    token.refresh_from_db()


def authenticate(secret):
    """The token with this secret, its user loaded; None if there is none. The caller checks
    `problem()`. Its use is recorded, at most one UPDATE a minute per token."""
    token = ApiToken.objects.select_related("user").filter(digest=digest(secret)).first()
    if token is not None and not token.problem():
        now = timezone.now()
        stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_THROTTLE)
        ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    return token
