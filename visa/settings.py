"""visa settings, read from the environment.

With nothing set, the service runs on embedded defaults for a demo on one machine: SQLite, a
Celery broker on the filesystem, the in-memory channel layer, devcloud as the cloud and Django's
own login. DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis.
"""
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VISA_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    return os.environ.get(name, str(default)).lower() in ("1", "true", "yes", "on")


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "visa-demo-only-insecure-secret-key-change-me")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "channels",
    "openaccess",
    "quotas",
    "instances",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
            ],
        },
    },
]

DATABASES = {"default": dj_database_url.config(default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Under ASGI every request runs its sync code on a thread of its own, so persistent connections
    # leak and a burst of requests opens one connection each, past PostgreSQL's max_connections.
    # A pool bounds them per process; requests beyond it wait for a free connection.
    DATABASES["default"]["OPTIONS"] = {
        "pool": {"min_size": 1, "max_size": int(os.environ.get("VISA_DB_POOL_SIZE", "20")), "timeout": 60}
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
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    # One ASGI process in the demo: control messages start and end in it.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Celery: Redis in production, a broker on the filesystem for the demo (no server to run).
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    CELERY_BROKER_TRANSPORT = "visa.broker:Transport"  # kombu's filesystem broker, written atomically
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

# The API is signed in by session, with CSRF, as the pages are.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Sign-in by OpenID Connect when a provider is configured; Django's own login otherwise.
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
if OIDC_RP_CLIENT_ID:
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.insert(0, "mozilla_django_oidc.auth.OIDCAuthenticationBackend")
    OIDC_RP_CLIENT_SECRET = os.environ["OIDC_RP_CLIENT_SECRET"]
    OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ["OIDC_OP_AUTHORIZATION_ENDPOINT"]
    OIDC_OP_TOKEN_ENDPOINT = os.environ["OIDC_OP_TOKEN_ENDPOINT"]
    OIDC_OP_USER_ENDPOINT = os.environ["OIDC_OP_USER_ENDPOINT"]
    OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
    OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
    LOGIN_URL = "oidc_authentication_init"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("VISA_TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# noVNC comes from the npm registry (package.json) and is served as static files.
STATICFILES_DIRS = [BASE_DIR / "visa" / "static", ("novnc", BASE_DIR / "node_modules" / "@novnc" / "novnc")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES")

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

# Instances
VISA_BUILD_TIMEOUT = int(os.environ.get("VISA_BUILD_TIMEOUT", "600"))  # seconds
# Facility storage the VMs mount experiment data from, read-only.
VISA_DCACHE_NFS_SERVER = os.environ.get("VISA_DCACHE_NFS_SERVER", "dcache.example.org")
VISA_DATA_MOUNT_ROOT = os.environ.get("VISA_DATA_MOUNT_ROOT", "/data")

# E-mail: printed on the console unless configured (EMAIL_BACKEND, EMAIL_HOST, ...).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "visa@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("VISA_LOG_LEVEL", "INFO")},
}
