"""`Authorization: Bearer <secret>` for scripts, beside the browser's session (which keeps CSRF).
A wrong secret counts as a failed sign-in from the client's address (django-axes, as the login
forms do): too many and that address is refused for a while, with when to try again."""
from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.signals import user_login_failed
from django.utils import timezone
from rest_framework import authentication, exceptions

from visa.lockout import message, retry_at

from . import services

KEYWORD = "Bearer"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != KEYWORD.lower():
            return None  # not ours: the session may sign the request in
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the token as “Authorization: Bearer <token>”.")
        if not AxesProxyHandler.is_allowed(request._request):
            until = retry_at(request._request)
            raise exceptions.Throttled(wait=(until - timezone.now()).total_seconds(), detail=message(until))
        token = services.authenticate(header[1])
        if token is None:
            user_login_failed.send(sender=__name__, credentials={}, request=request._request)
            raise exceptions.AuthenticationFailed("This API token is not valid. Check that you copied all of it.")
        problem = token.problem()
        if problem:
            raise exceptions.AuthenticationFailed(problem)
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("The account this token belongs to is disabled.")
        return token.user, token

    def authenticate_header(self, request):
        # Makes DRF answer 401 with this challenge (not 403) to a request that is not signed in.
        return f'{KEYWORD} realm="api"'
