"""Settings, read from the environment with safe defaults.

With nothing configured: SQLite under var/, local file storage under var/media,
Redis at REDIS_URL (`make run` starts an embedded one), a local Ray.
"""

import importlib.util
import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("EMOTION_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _local_secret_key() -> str:
    # A fresh machine gets a random key kept under var/; deployments set SECRET_KEY.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY") or _local_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_rq",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "accounts",
    "videos",
    "analysis",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "emotion_site.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",  # every page needs login unless marked
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "emotion_site.urls"
WSGI_APPLICATION = "emotion_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "analysis.pages.finished_notice.finished_analyses",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
        # A kept connection the database dropped (a restart, an idle timeout) is replaced, not used.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker write at the same time; wait for locks instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "videos:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Static files, plotly.js included, are served by the app itself (it works offline).
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # plotly.js as the plotly wheel ships it: static/plotly/plotly.min.js
    ("plotly", Path(importlib.util.find_spec("plotly").origin).parent / "package_data"),
]

# Uploaded media: never given a public URL; the owner's video streams through
# an authenticated view (videos.views.stream).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,  # MinIO, Ceph, R2...
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("AWS_LOCATION", ""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": MEDIA_ROOT}}
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Uploads go to a temporary file as they arrive (never whole in memory) and stop at the limit.
FILE_UPLOAD_HANDLERS = ["videos.upload_handlers.SizeLimitedUploadHandler"]
FILE_UPLOAD_TEMP_DIR = os.environ.get("FILE_UPLOAD_TEMP_DIR") or None
VIDEO_MAX_UPLOAD_BYTES = int(os.environ.get("VIDEO_MAX_UPLOAD_BYTES", 2 * 1024**3))
VIDEO_EXTENSIONS = ("mp4", "mov", "webm", "mkv", "avi")
# Resumable uploads (tus 1.0 at /api/uploads/, videos.partial_uploads): the bytes received so far
# are on this disk (in production a volume the web processes share); an upload left unfinished for
# UPLOAD_EXPIRE_S is removed by the maintenance queue.
UPLOAD_PARTIAL_DIR = Path(os.environ.get("UPLOAD_PARTIAL_DIR", VAR_DIR / "uploads-partial"))
UPLOAD_EXPIRE_S = int(os.environ.get("UPLOAD_EXPIRE_S", 24 * 3600))
# Per user: the stored videos' total size (videos.storage_quota), and analyses queued or running
# (analysis.runs.limits), which uploads and the results page's reprocess may not pass (staff's
# admin actions and commands may).
USER_STORAGE_QUOTA_BYTES = int(os.environ.get("USER_STORAGE_QUOTA_BYTES", 20 * 1024**3))
USER_MAX_ACTIVE_RUNS = int(os.environ.get("USER_MAX_ACTIVE_RUNS", "5"))
# Blurred copies a user may have queued or being made at once (one per video in any case).
USER_MAX_ACTIVE_COPIES = int(os.environ.get("USER_MAX_ACTIVE_COPIES", "2"))
# Source videos are deleted this many days after their analysis (the results stay) for users without
# their own retention (videos.models.RetentionPolicy); empty: kept (analysis.runs.retention).
SOURCE_RETENTION_DAYS = int(os.environ["SOURCE_RETENTION_DAYS"]) if os.environ.get("SOURCE_RETENTION_DAYS") else None
# Sign-in (accounts.login_limits): LOGIN_MAX_FAILURES wrong passwords for one username from one client
# address (IPv6: one /64) within LOGIN_LOCKOUT_S lock that pair out, and LOGIN_MAX_FAILURES_PER_ADDRESS
# from one address, whatever the usernames, lock the address out, each for LOGIN_LOCKOUT_S. Never a
# username alone: anyone could then lock anyone out. The counts live in the cache (Redis, below), so
# every web process and server shares them.
LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_MAX_FAILURES_PER_ADDRESS", "50"))
LOGIN_LOCKOUT_S = int(os.environ.get("LOGIN_LOCKOUT_S", "300"))

# The API (analysis/api) for scripts and notebooks. Token first: an anonymous request then gets
# 401 with "WWW-Authenticate: Token"; session requests (the browser) need CSRF as usual.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "analysis.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Emotion Detector API",
    "DESCRIPTION": "Upload videos, follow their analysis and download each person's emotions. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,  # the upload's `file` is a binary field in the request schema
    # `<id:...>` in URLs (videos/ids.py): an integer within the database's range.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}},
    # 401, 404 and 400 where every operation may answer them (analysis/api/schema_hooks.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "analysis.api.schema_hooks.document_common_answers",
    ],
}

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
# "default": the analyses. "maintenance": the lost-run reaper that `rqcron emotion_site.schedule`
# enqueues, served by its own worker so that it runs while every analysis worker is busy (or dead).
RQ_QUEUES = {
    "default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600},
    "maintenance": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 300},
    # Blurred copies (analysis/runs/blur_launch.py) and browser previews (preview_launch.py), with a worker
    # of their own: they never wait in front of anyone's analysis.
    "copies": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600},
}
RQ_SHOW_ADMIN_LINK = True
# The cache holds the sign-in failure counts; in the queue's Redis, under its own key prefix.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cache",
        # A Redis that does not answer (a lost host) must not hold a sign-in for a TCP timeout.
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

# Analysis
RAY_ADDRESS = os.environ.get("RAY_ADDRESS") or None  # None: a local Ray in the worker
ANALYSIS_WORKERS = int(os.environ.get("ANALYSIS_WORKERS", "0"))  # Ray actors; 0: one per CPU
FACE_DETECTOR = os.environ.get("FACE_DETECTOR", "yunet")  # or face_recognition's "hog" or "cnn"
# Smallest face (box height in source pixels) a full-frame scan finds; smaller is slower.
FACE_MIN_SIZE = int(os.environ.get("FACE_MIN_SIZE", "20"))
EMOTION_MODEL = os.environ.get("EMOTION_MODEL", "emotion-net-v5")  # or "fer-mini-xception", or a path
# A face counts as turned to the camera (attention) when its yaw and pitch are both within this many
# degrees of straight on (analysis/core/head_pose.py).
ATTENTION_MAX_DEG = float(os.environ.get("ATTENTION_MAX_DEG", "30"))
# FER2013-shaped npz that emotion_training.train and .evaluate read by default (emotion_training/paths.py,
# which reads the same variables without Django).
FER2013_PATH = Path(
    os.environ.get("FER2013_PATH", BASE_DIR.parent / "shared" / "data" / "fer2013" / "fer2013_train_publictest.npz")
)
# The FER+ votes aligned row for row with it: what the models are trained on and scored against.
FERPLUS_VOTES_PATH = Path(os.environ.get("FERPLUS_VOTES_PATH", FER2013_PATH.parent / "ferplus_votes.npz"))
# A running analysis stamps its heartbeat this often (a thread in the job, analysis.runs.heartbeat)...
ANALYSIS_HEARTBEAT_S = float(os.environ.get("ANALYSIS_HEARTBEAT_S", "10"))
# ...and the reaper (analysis.runs.reaper, every ANALYSIS_REAP_INTERVAL_S through rq cron) fails one whose
# heartbeat is older than this: its worker was killed.
ANALYSIS_STALE_AFTER_S = int(os.environ.get("ANALYSIS_STALE_AFTER_S", "60"))
ANALYSIS_REAP_INTERVAL_S = int(os.environ.get("ANALYSIS_REAP_INTERVAL_S", "30"))
# rq job timeout: a floor plus a multiple of the video's duration.
ANALYSIS_TIMEOUT_BASE_S = int(os.environ.get("ANALYSIS_TIMEOUT_BASE_S", "900"))
ANALYSIS_TIMEOUT_PER_VIDEO_S = float(os.environ.get("ANALYSIS_TIMEOUT_PER_VIDEO_S", "10"))

# Participant sessions (analysis/sessions, docs/participant-sessions.md)
# A recording's upload may hold up to this many bytes per second of the stimulus (plus a minute): the
# participant's page records at 1 Mbit/s, so the bound is ~1.6x what it sends.
PARTICIPANT_BYTES_PER_S = int(os.environ.get("PARTICIPANT_BYTES_PER_S", 200_000))
# A recording that received nothing for this long (the tab closed, the network gone) is kept as a
# partial recording by the maintenance queue (every PARTICIPANT_IDLE_S / 2).
PARTICIPANT_IDLE_S = int(os.environ.get("PARTICIPANT_IDLE_S", 300))
# Per client address and link, per hour: consents, and camera checks; per link, per minute, consents.
PARTICIPANT_CONSENTS_PER_ADDRESS_HOUR = int(os.environ.get("PARTICIPANT_CONSENTS_PER_ADDRESS_HOUR", 30))
PARTICIPANT_CHECKS_PER_ADDRESS_HOUR = int(os.environ.get("PARTICIPANT_CHECKS_PER_ADDRESS_HOUR", 120))
PARTICIPANT_CONSENTS_PER_LINK_MINUTE = int(os.environ.get("PARTICIPANT_CONSENTS_PER_LINK_MINUTE", 60))

# HTTPS=1: the site is served over HTTPS by a reverse proxy in front of gunicorn, which sets
# X-Forwarded-Proto (see docker-compose.yml). Then cookies are HTTPS-only, plain HTTP redirects to
# HTTPS, and browsers are told to keep to HTTPS (HSTS). Off for `make run` on localhost.
HTTPS = env_bool("HTTPS")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS and env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = HTTPS and env_bool("HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Scripts, styles, media and requests only from this site (plotly sets inline styles; the video and
# the overlay's canvas use blob: and data: URLs). Empty: no header.
CONTENT_SECURITY_POLICY = os.environ.get(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'",
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
