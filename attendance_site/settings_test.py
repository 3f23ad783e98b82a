"""Test settings: the real settings with speed and isolation tweaks.

Tests run on whatever DATABASE_URL and REDIS_URL say (PostgreSQL and Redis in
CI); without them, SQLite and eager Celery, and the tests that need a real
server are skipped (or fail, with REQUIRE_SERVICES=1). See tests/conftest.py.
"""

from .settings import *  # noqa: F403
from .settings import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests that want a real worker start one themselves (tests/test_celery_worker.py).
CELERY_TASK_ALWAYS_EAGER = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
DATABASES["default"]["CONN_MAX_AGE"] = 0
LOGGING = {"version": 1, "disable_existing_loggers": False}
