"""Test settings: the real settings with speed and isolation tweaks.

Tests run on whatever DATABASE_URL and REDIS_URL say (PostgreSQL and Redis in
CI); without them, SQLite and eager Celery, and the tests that need a real
server are skipped (or fail, with REQUIRE_SERVICES=1). See tests/conftest.py.
"""

import os
import re

from .settings import *  # noqa: F403
from .settings import CACHES, DATABASES, REDIS_URL

# Under pytest-xdist each worker gets its own Redis database (15, 14, ...), as
# pytest-django gives each its own test database: a test clearing the cache or
# counting throttled requests must not see another worker's keys. Tests and
# the Celery workers they start read REDIS_URL from the environment, so it is
# rewritten there too.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _xdist_worker.startswith("gw"):
    _base = re.match(r"^(.*?)(?:/(\d+))?$", REDIS_URL)
    assert _base is not None
    _database = int(_base.group(2) or 0) - int(_xdist_worker[2:])
    REDIS_URL = f"{_base.group(1)}/{_database % 16}"
    os.environ["REDIS_URL"] = REDIS_URL
    CACHES["default"]["LOCATION"] = REDIS_URL
    CELERY_BROKER_URL = REDIS_URL

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
