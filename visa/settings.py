"""visa settings, read from the environment.

With nothing set, the service runs on embedded defaults for a demo on one machine: SQLite, a
Celery broker on the filesystem, the in-memory channel layer, devcloud as the cloud and Django's
own login. DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis.
"""
import logging
import os
from email.utils import getaddresses
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import sentry_sdk
from django.core.exceptions import ImproperlyConfigured

from visa import broker, env, logs
from visa.secret_key import secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VISA_VAR_DIR", BASE_DIR / "var"))

DEBUG = env.flag("DJANGO_DEBUG")
# DJANGO_SECRET_KEY; only the demo (no DATABASE_URL) makes its own, in VAR_DIR (visa/secret_key.py).
SECRET_KEY = secret_key(VAR_DIR)
# Keys still accepted after DJANGO_SECRET_KEY changed (comma-separated): sessions and agent tokens
# made under them go on working until `manage.py rotate_vm_secrets` has replaced the tokens.
SECRET_KEY_FALLBACKS = env.names("DJANGO_SECRET_KEY_FALLBACKS")
# Also the WebSocket origins: the desktop proxy accepts an Origin header only for these hosts.
ALLOWED_HOSTS = env.names("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env.names("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "visa.apps.AdminConfig",  # Django admin with what waits for operators on its front page
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served by us rather than from a CDN
    "channels",
    "axes",  # failed sign-ins: visa/lockout.py
    "openaccess",
    "quotas",
    "instances",
    "apitokens",
    "notices",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # CONTENT_SECURITY_POLICY, below
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a lockout into its answer (visa.lockout.response)
    "visa.onethread.OneThreadMiddleware",  # last: every middleware above runs in the request's thread
]

ROOT_URLCONF = "visa.urls"
ASGI_APPLICATION = "visa.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "visa" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notices.context_processors.notices",
            ],
        },
    },
]

DATABASES = {"default": dj_database_url.config(default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Under ASGI every request runs its sync code on a thread of its own, so persistent connections
    # leak and a burst of requests opens one connection each, past PostgreSQL's max_connections.
    # A pool bounds them per process; requests beyond it wait for a free connection, then PoolTimeout
    # (while the database is away, a page or a desktop connection is refused within seconds).
    _pool = {"min_size": 1, "max_size": env.integer("VISA_DB_POOL_SIZE", 20, minimum=1)}
    _from_url = DATABASES["default"].get("OPTIONS", {})  # DATABASE_URL's query: ?sslmode=verify-full&options=...
    DATABASES["default"]["OPTIONS"] = {
        **_from_url,
        "pool": {**_pool, "timeout": env.seconds("VISA_DB_POOL_TIMEOUT", 10)},
        # No JIT: compiling a search of thousands of matches (openaccess.search) took about 60 ms,
        # more than it saved; visa's queries are short. The URL's own server options come after.
        "options": " ".join(filter(None, ["-c jit=off", _from_url.get("options")])),
    }
elif DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite has no row locks: beginning every transaction IMMEDIATE takes the database's write lock
    # before the first read, so a transaction that reads and then writes (quotas.reserve, a state
    # transition) is never interleaved with another; the others wait up to `timeout` seconds.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 30}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py's default 5 s socket timeout would cut the layer's 5 s blocking reads
            # (BZPOPMIN) and kill every idle WebSocket consumer after about 5 s.
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30}]},
        }
    }
else:
    # One ASGI process in the demo: control messages start and end in it.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The cache holds the API's counts of anonymous requests: in Redis they hold across ASGI processes.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
          if REDIS_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis in production, a broker on the filesystem for the demo (no server to run).
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT = "visa.broker:RedisTransport" if REDIS_URL else "visa.broker:Transport"
if not REDIS_URL:
    _celery_dir = VAR_DIR / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir),
        "data_folder_out": str(_celery_dir),
        "processed_folder": str(_celery_dir / "processed"),
        "control_folder": str(_celery_dir / "control"),  # else ./control, in the source tree
        "store_processed": False,
        "polling_interval": 0.1,  # seconds; the default 1 s would add to every launch
    }
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
VISA_THUMBNAIL_PERIOD = env.seconds("VISA_THUMBNAIL_PERIOD", 30)  # seconds between thumbnails of desktops in use
CELERY_BEAT_SCHEDULE = {  # periods in seconds
    "reconcile": {"task": "instances.tasks.reconcile", "schedule": env.seconds("VISA_RECONCILE_PERIOD", 60)},
    "expire": {"task": "instances.tasks.expire", "schedule": env.seconds("VISA_EXPIRY_PERIOD", 300)},
    "thumbnails": {"task": "instances.tasks.refresh_thumbnails", "schedule": VISA_THUMBNAIL_PERIOD},
    # clouds that instances wait on and no watcher watches (instances.lifecycle.watch); a tick not
    # taken within its second is dropped, as the next one does the same
    "watch": {"task": "instances.tasks.watch", "schedule": 1.0, "options": {"expires": 1.0}},
}

# The API: scripts sign in with a personal token (Authorization: Bearer), the browser by session
# with CSRF as the pages do. The token scheme comes first, so a request signed in by neither is
# answered 401 with its challenge.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apitokens.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "visa.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Throttles count by REMOTE_ADDR, which uvicorn took from a trusted proxy (--forwarded-allow-ips):
    # DRF's default would read X-Forwarded-For from anyone, a new address on every request.
    "NUM_PROXIES": 0,
}
# What an anonymous client may ask of the API's open-data search and lookups (openaccess.api).
VISA_ANONYMOUS_API_RATE = env.rate("VISA_ANONYMOUS_API_RATE", "60/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "visa API",
    "DESCRIPTION": "Remote desktops on experiment data. Scripts send a personal API token "
                   "(`Authorization: Bearer <token>`, made on the page /account/api-tokens); the browser "
                   "uses its session and the CSRF token. Errors are JSON with a `detail` message.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR", "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"InstanceState": "instances.states.State"},
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "visa.schema.document_refusals"],
}

# Sign-in: Django's login, failed sign-ins throttled, OpenID Connect when a provider is configured.
from visa.signin_settings import *  # noqa: E402,F403

if OIDC_RP_CLIENT_ID:  # noqa: F405
    INSTALLED_APPS.append("mozilla_django_oidc")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.time_zone("VISA_TIME_ZONE", "Europe/Berlin")
USE_I18N = USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))  # nginx serves it
# Front-end packages come from npm (package-lock.json) and are served as our own static files: no CDN.
_npm = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "visa" / "static",
    ("novnc", _npm / "@novnc" / "novnc"),
    ("pico", _npm / "@picocss" / "pico" / "css"),
    ("htmx", _npm / "htmx.org" / "dist"),
    ("htmx", _npm / "htmx-ext-ws" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Names with a hash of the content (collectstatic writes a manifest): after an upgrade a browser
    # asks for the new files, never runs a cached old script against the new pages.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Production runs behind a TLS-terminating proxy (deploy/): secure cookies, HTTPS only, HSTS.
HTTPS = env.flag("DJANGO_HTTPS")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.integer("DJANGO_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.flag("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env.flag("DJANGO_HSTS_PRELOAD", True)

# The cloud: an OpenStack reached through openstacksdk; devcloud on loopback by default.
OPENSTACK = {
    "auth_url": os.environ.get("OPENSTACK_AUTH_URL", "http://127.0.0.1:8774/v3"),
    "username": os.environ.get("OPENSTACK_USERNAME", "visa"),
    "password": os.environ.get("OPENSTACK_PASSWORD", "devcloud"),
    "project_name": os.environ.get("OPENSTACK_PROJECT_NAME", "visa"),
    "user_domain_name": os.environ.get("OPENSTACK_USER_DOMAIN_NAME", "Default"),
    "project_domain_name": os.environ.get("OPENSTACK_PROJECT_DOMAIN_NAME", "Default"),
    "region_name": os.environ.get("OPENSTACK_REGION_NAME", "RegionOne"),
}
OPENSTACK_CLOUD = os.environ.get("OPENSTACK_CLOUD", "")  # a clouds.yaml entry, used instead

# Open data: when on, anyone who signs in reads an experiment's data once it is released.
VISA_OPEN_DATA = env.flag("VISA_OPEN_DATA", True)
# The facility's embargo rule: data opens this many years after the experiment ends, unless the
# experiment has its own release date (0: no rule, only explicit dates open data).
VISA_EMBARGO_YEARS = env.integer("VISA_EMBARGO_YEARS", 3)
VISA_FACILITY = os.environ.get("VISA_FACILITY", "European XFEL")
# Where imported experiments' data lies on dCache; {proposal_id} and {facility} are filled in.
VISA_DATA_PATH_TEMPLATE = env.template("VISA_DATA_PATH_TEMPLATE", "/pnfs/{facility}/proposals/{proposal_id}")

# Instances
VISA_BUILD_TIMEOUT = env.integer("VISA_BUILD_TIMEOUT", 600, minimum=1)  # seconds in a transient state at most
VISA_POLL_INTERVAL = env.seconds("VISA_POLL_INTERVAL", 0.2)  # seconds between looks at a changing server
# a cloud's watcher (instances.lifecycle.watch) runs this long, then the next takes over
VISA_STEP_SECONDS = env.seconds("VISA_STEP_SECONDS", 10)
VISA_CLOUD_TIMEOUT = env.seconds("VISA_CLOUD_TIMEOUT", 30)  # seconds for one cloud API call
# Seconds a cloud's answer to "how much room is left" serves launches (instances.lifecycle.quota):
# a burst of launches asks once. Users' quotas are always checked exactly; 0 asks at every launch.
VISA_CLOUD_ROOM_SECONDS = env.seconds("VISA_CLOUD_ROOM_SECONDS", 2, zero=True)
VISA_CLOUD_RETRIES = env.integer("VISA_CLOUD_RETRIES", 6, minimum=1)  # tries of a failing cloud call, then gives up
VISA_CLOUD_BACKOFF = env.seconds("VISA_CLOUD_BACKOFF", 1, zero=True)  # seconds before the first retry; doubles
# A transient state whose task made no step for this long is driven again by the reconciler.
VISA_STUCK_AFTER = env.seconds("VISA_STUCK_AFTER", 120)
if REDIS_URL:  # visa/broker.py: a worker that outlives Redis, and a killed worker's task back within seconds
    CELERY_BROKER_TRANSPORT_OPTIONS = broker.redis_options(visibility_timeout=VISA_STEP_SECONDS + VISA_CLOUD_TIMEOUT)
# Expiry (hours): lifetime (a flavour may set its own), inactivity, and the warnings before each.
VISA_LIFETIME_HOURS = env.hours("VISA_LIFETIME_HOURS", 14 * 24)
VISA_INACTIVITY_HOURS = env.hours("VISA_INACTIVITY_HOURS", 4 * 24)
VISA_LIFETIME_WARNING_HOURS = env.hours("VISA_LIFETIME_WARNING_HOURS", 48, zero=True)
VISA_INACTIVITY_WARNING_HOURS = env.hours("VISA_INACTIVITY_WARNING_HOURS", 24, zero=True)
VISA_ACTIVITY_THROTTLE = env.seconds("VISA_ACTIVITY_THROTTLE", 60, zero=True)  # seconds between activity writes
# Each desktop connection says it is alive this often; the reconciler ends the sessions of an ASGI
# process that died (three beats missed), so they no longer count as connected.
VISA_SESSION_HEARTBEAT = env.seconds("VISA_SESSION_HEARTBEAT", 60)
VISA_SITE_URL = env.url("VISA_SITE_URL", "http://127.0.0.1:8000")  # for links in e-mails
# How the VMs mount experiment data from facility storage, read-only: "nfs" (NFS 4.1 from dCache) or
# "webdav" (dCache's WebDAV door with a read-only macaroon per experiment, expiring with the
# instance; the door is devcloud's stand-in by default).
VISA_DATA_MOUNT_METHOD = env.choice("VISA_DATA_MOUNT_METHOD", "nfs", ("nfs", "webdav"))
VISA_DCACHE_NFS_SERVER = os.environ.get("VISA_DCACHE_NFS_SERVER", "dcache.example.org")
VISA_DCACHE_WEBDAV_URL = env.url("VISA_DCACHE_WEBDAV_URL", "http://127.0.0.1:8774/dcache")
VISA_DCACHE_USERNAME = os.environ.get("VISA_DCACHE_USERNAME", "visa")
VISA_DCACHE_PASSWORD = os.environ.get("VISA_DCACHE_PASSWORD", "devcloud")
VISA_DATA_MOUNT_ROOT = env.absolute_path("VISA_DATA_MOUNT_ROOT", "/data")
# The mount agent in each VM asks visa at this URL every VISA_AGENT_POLL_SECONDS which data it
# should have mounted (data attached to a running desktop appears within that time).
VISA_AGENT_URL = env.url("VISA_AGENT_URL", VISA_SITE_URL)
VISA_AGENT_POLL_SECONDS = env.seconds("VISA_AGENT_POLL_SECONDS", 5)
# JupyterLab is served on an origin of its own per instance (instances/jupyter/), never on visa's: a
# notebook's code cannot read visa's cookies or call visa as its user. Its host name holds {uuid}; the
# same web processes answer it (a wildcard DNS name and certificate in production). The demo's and the
# tests' default: <uuid>.localhost on visa's port (browsers resolve *.localhost to loopback).
_site = urlsplit(VISA_SITE_URL)
VISA_NOTEBOOK_ORIGIN = env.origin_template(
    "VISA_NOTEBOOK_ORIGIN", f"{_site.scheme}://{{uuid}}.localhost" + (f":{_site.port}" if _site.port else ""))
# Networks and security groups (cloud names) of a VM no placement rule matched (instances.lifecycle.
# placement; rules are in Django admin); empty: the cloud's defaults.
VISA_DEFAULT_NETWORKS = env.names("VISA_DEFAULT_NETWORKS")
VISA_DEFAULT_SECURITY_GROUPS = env.names("VISA_DEFAULT_SECURITY_GROUPS")
# The owner's account in the VM takes their facility identity (openaccess.FacilityAccount: login,
# uid, gid, groups, home). When required, a user without one may not launch.
VISA_REQUIRE_FACILITY_IDENTITY = env.flag("VISA_REQUIRE_FACILITY_IDENTITY", False)
# The facility's home directories: when set, a VM mounts <server>:<home> at <home> over NFS.
VISA_HOME_NFS_SERVER = os.environ.get("VISA_HOME_NFS_SERVER", "")
VISA_HOME_NFS_OPTIONS = os.environ.get("VISA_HOME_NFS_OPTIONS", "rw,nfsvers=4.1,nosuid,nodev,_netdev")
# The Files panel and API (instances/files/): the port of each VM's file API, served by its mount
# agent to visa alone, and the largest file one upload may bring, in megabytes.
VISA_FILES_PORT = env.integer("VISA_FILES_PORT", 8091, minimum=1)
VISA_FILES_UPLOAD_LIMIT_MB = env.integer("VISA_FILES_UPLOAD_LIMIT_MB", 10240, minimum=1)

# Monitoring (visa/monitoring.py). /metrics answers a request with this bearer token or from one of
# these addresses or networks, and nobody else (neither set: nobody).
VISA_METRICS_TOKEN = os.environ.get("VISA_METRICS_TOKEN", "")
VISA_METRICS_ALLOW = env.networks("VISA_METRICS_ALLOW")
# Prometheus and load balancers ask over plain HTTP, inside the network: no redirect to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^metrics$", r"^health/"]

# E-mail: printed on the console unless configured (EMAIL_BACKEND, EMAIL_HOST, ...).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env.integer("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.flag("EMAIL_USE_TLS")  # STARTTLS, usually on port 587
EMAIL_USE_SSL = env.flag("EMAIL_USE_SSL")  # TLS from the start, usually on port 465
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both.")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "visa@localhost")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)  # the sender of error reports
# Who gets an e-mail with the traceback of every server error: "Name <address>, address, ...".
ADMINS = [(name or address, address) for name, address in getaddresses([os.environ.get("DJANGO_ADMINS", "")])
          if address]

# Each line names the request (X-Request-ID) and the instance it is about; JSON for a log collector.
LOGGING = logs.config(env.choice("VISA_LOG_LEVEL", "INFO", [*logging.getLevelNamesMapping()]),
                      env.choice("VISA_LOG_FORMAT", "text", ("text", "json")))
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # the workers log as the web processes do

# Errors to Sentry (or a compatible service such as GlitchTip) when a DSN is set: Django's and
# Celery's integrations, without personal data (no cookies, user names or addresses).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    sentry_sdk.init(dsn=SENTRY_DSN, environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
                    send_default_pii=False)

# Desktop sharing. When the owner's last desktop connection closes: "disconnect" everyone else (and
# admit nobody until the owner is back) or "lock" the room so users only watch.
VISA_OWNER_LEAVES = env.choice("VISA_OWNER_LEAVES", "disconnect", ("disconnect", "lock"))
VISA_OWNER_GRACE = env.seconds("VISA_OWNER_GRACE", 10, zero=True)  # seconds an owner has to come back (reload)
# Whether a view-only link to an instance with only open data admits people without an account.
VISA_OPEN_DATA_GUESTS = env.flag("VISA_OPEN_DATA_GUESTS")
# Whether the members of an experiment are admitted to every desktop that has its data, without a
# link: "off", or the access they get ("view-only" or "interactive", as a link gives).
VISA_TEAM_ACCESS = env.choice("VISA_TEAM_ACCESS", "off", ("off", "view-only", "interactive"))

# Content-Security-Policy on every answer (django-csp): scripts, styles and everything else from
# this site's own files only (no inline script or style, no eval: htmx runs with allowEval off), the
# WebSockets to this site, and no page of ours inside another site's frame. A view that needs more
# says so itself (visa/urls.py: the Swagger UI).
_ws_site = "/".join(VISA_SITE_URL.replace("http", "ws", 1).split("/")[:3])  # the origin, ws:// or wss://
# Signing out may send the browser on to the provider's logout: a redirect after a form.
_after_logout = ["/".join(OIDC_OP_LOGOUT_ENDPOINT.split("/")[:3])] if OIDC_OP_LOGOUT_ENDPOINT else []  # noqa: F405
CONTENT_SECURITY_POLICY = {"DIRECTIVES": {
    "default-src": ["'self'"],
    "img-src": ["'self'", "data:"],  # Pico's icons and noVNC's cursor are data: URLs
    "connect-src": ["'self'", _ws_site],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'", *_after_logout],
}}
