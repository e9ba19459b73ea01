"""Sign-in settings, read from the environment: Django's own login, failed sign-ins throttled
(django-axes, visa/lockout.py) and OpenID Connect. visa/settings.py takes all of them.
"""
import os
from datetime import timedelta

from visa import env

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed sign-ins (visa/lockout.py): this many on one account, or from one address, lock it for
# VISA_SIGNIN_LOCKOUT seconds after the last. A successful sign-in does not reset the count: it
# would let whoever has one account reset their address's count against everyone else's.
AXES_FAILURE_LIMIT = env.integer("VISA_SIGNIN_FAILURES", 10, minimum=1)
AXES_COOLOFF_TIME = timedelta(seconds=env.seconds("VISA_SIGNIN_LOCKOUT", 900))
AXES_LOCKOUT_PARAMETERS = "visa.lockout.parameters"
AXES_LOCKOUT_CALLABLE = "visa.lockout.response"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the page's "try again at" stays true
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = LOGOUT_REDIRECT_URL = "home"

# Sign-in by OpenID Connect when a provider is configured, beside Django's own login (the demo
# and local operator accounts). visa.auth maps the claims; docs/operators.md has examples.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
if OIDC_RP_CLIENT_ID:
    AUTHENTICATION_BACKENDS.insert(1, "visa.auth.ClaimsBackend")
    OIDC_RP_CLIENT_SECRET = env.required("OIDC_RP_CLIENT_SECRET", "OIDC_RP_CLIENT_ID is set")
    OIDC_OP_AUTHORIZATION_ENDPOINT = env.required("OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_RP_CLIENT_ID is set")
    OIDC_OP_TOKEN_ENDPOINT = env.required("OIDC_OP_TOKEN_ENDPOINT", "OIDC_RP_CLIENT_ID is set")
    OIDC_OP_USER_ENDPOINT = env.required("OIDC_OP_USER_ENDPOINT", "OIDC_RP_CLIENT_ID is set")
    OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
    if OIDC_RP_SIGN_ALGO.startswith(("RS", "ES")):
        OIDC_OP_JWKS_ENDPOINT = env.required("OIDC_OP_JWKS_ENDPOINT", f"OIDC_RP_SIGN_ALGO is {OIDC_RP_SIGN_ALGO}")
    OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email profile")
    OIDC_USE_PKCE = env.flag("OIDC_USE_PKCE", True)
    OIDC_STORE_ID_TOKEN = True  # the hint for signing out at the provider
    OIDC_CALLBACK_CLASS = "visa.auth.CallbackView"
OIDC_OP_LOGOUT_ENDPOINT = os.environ.get("OIDC_OP_LOGOUT_ENDPOINT", "")  # end_session_endpoint
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "your institution")
# Which claim holds what (empty: not taken from the provider).
OIDC_CLAIMS = {
    "username": os.environ.get("OIDC_USERNAME_CLAIM", "preferred_username"),
    "email": os.environ.get("OIDC_EMAIL_CLAIM", "email"),
    "first_name": os.environ.get("OIDC_FIRST_NAME_CLAIM", "given_name"),
    "last_name": os.environ.get("OIDC_LAST_NAME_CLAIM", "family_name"),
    "groups": os.environ.get("OIDC_GROUPS_CLAIM", "groups"),
    "facility_user_id": os.environ.get("OIDC_FACILITY_USER_ID_CLAIM", ""),
    # The user's POSIX identity at the facility (openaccess.FacilityAccount); empty: not taken.
    "login": os.environ.get("OIDC_LOGIN_CLAIM", ""),
    "uid": os.environ.get("OIDC_UID_CLAIM", ""),
    "gid": os.environ.get("OIDC_GID_CLAIM", ""),
    "group": os.environ.get("OIDC_GROUP_CLAIM", ""),
    "unix_groups": os.environ.get("OIDC_UNIX_GROUPS_CLAIM", ""),
    "home": os.environ.get("OIDC_HOME_CLAIM", ""),
}
# Only group values matching this become groups; with a capture group, that part is the name
# (e.g. "urn:geant:helmholtz.de:group:([^#]+)#login.helmholtz.de").
OIDC_GROUPS_PATTERN = env.regex("OIDC_GROUPS_PATTERN", ".+")
# When set, only members of one of these groups may sign in by OIDC.
OIDC_ALLOWED_GROUPS = env.names("OIDC_ALLOWED_GROUPS")
