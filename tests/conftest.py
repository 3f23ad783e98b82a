"""Shared fixtures, and the rule for tests that need a real server or browser.

A test marked `postgres`, `redis` or `browser` runs when that service is there.
Without it the test is skipped with the reason printed (`-ra`); with
REQUIRE_SERVICES=1 (CI) the missing service is a failure instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from accounts.models import Role, School, User
from accounts.services.two_factor import second_factor_required

from .factories import TEST_PASSWORD, LocalAuthorityFactory, SchoolFactory, UserFactory
from .two_factor_helpers import verify_session

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE_JS = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
BUILT_CSS = PROJECT_ROOT / "static" / "build" / "css" / "main.css"
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") not in {"", "0", "false"}


@cache
def _redis_missing() -> str | None:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return "REDIS_URL is not set"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        return f"Redis at REDIS_URL does not answer ({type(exc).__name__})"
    return None


@cache
def _browser_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    if not AXE_JS.exists():
        return "node_modules/axe-core is missing (npm ci)"
    if not BUILT_CSS.exists():
        return "the assets are not built (npm run build)"
    return None


def _postgres_missing() -> str | None:
    if connection.vendor != "postgresql":
        return "DATABASE_URL is not a PostgreSQL database"
    return None


MISSING_SERVICE: dict[str, Callable[[], str | None]] = {
    "postgres": _postgres_missing,
    "redis": _redis_missing,
    "browser": _browser_missing,
}


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker, missing in MISSING_SERVICE.items():
        if item.get_closest_marker(marker) is None:
            continue
        reason = missing()
        if reason is None:
            continue
        if REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
        pytest.skip(f"needs {marker}: {reason}")


def pytest_report_header(config: pytest.Config) -> list[str]:
    db = settings.DATABASES["default"]
    return [
        f"database: {db['ENGINE'].rsplit('.', 1)[-1]} {db.get('HOST') or ''}".rstrip(),
        f"broker for worker tests: {os.environ.get('REDIS_URL') or 'none'}",
        f"REQUIRE_SERVICES: {'yes' if REQUIRE_SERVICES else 'no'}",
    ]


@pytest.fixture
def school(db: None) -> School:
    return SchoolFactory()


@pytest.fixture
def lead(school: School) -> User:
    return UserFactory(role=Role.ATTENDANCE_LEAD, school=school)


def signed_in_client(user: User) -> Client:
    """A client signed in as `user`, past the second factor if their role needs
    one (tests/test_two_factor.py checks the code page itself)."""
    client = Client()
    assert client.login(username=user.email, password=TEST_PASSWORD)
    if second_factor_required(user):
        verify_session(client, user)
    return client


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    return signed_in_client


@pytest.fixture(scope="session")
def chromium_path() -> str:
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def axe_source() -> str:
    return AXE_JS.read_text()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Browser tests are the slowest: run them last so fast failures show first.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


# Two schools of one LA, for imports that name each other's pupils -------------


@pytest.fixture
def la():
    return LocalAuthorityFactory(code="926", name="Northmoor Council")


@pytest.fixture
def northmoor(la):
    return SchoolFactory(local_authority=la, name="Northmoor High", establishment_number="4001")


@pytest.fixture
def brookfield(la):
    return SchoolFactory(local_authority=la, name="Brookfield Academy", establishment_number="4002")
