"""`Authorization: Bearer <secret>` for scripts, beside the browser's session (which keeps CSRF)."""
from rest_framework import authentication, exceptions

from . import services

KEYWORD = "Bearer"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != KEYWORD.lower():
            return None  # not ours: the session may sign the request in
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the token as “Authorization: Bearer <token>”.")
        token = services.authenticate(header[1])
        if token is None:
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
