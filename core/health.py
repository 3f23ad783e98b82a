"""What /healthz reports: can this instance reach its database and its broker?"""

from dataclasses import asdict, dataclass

import redis
from django.conf import settings
from django.db import connection


@dataclass(frozen=True)
class ComponentHealth:
    ok: bool
    detail: str


def database_health() -> ComponentHealth:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not healthy", whatever the driver raised
        return ComponentHealth(ok=False, detail=type(exc).__name__)
    return ComponentHealth(ok=True, detail=connection.vendor)


def broker_health() -> ComponentHealth:
    if not settings.REDIS_URL:
        return ComponentHealth(ok=True, detail="no broker: tasks run in the web process")
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
    except redis.RedisError as exc:
        return ComponentHealth(ok=False, detail=type(exc).__name__)
    return ComponentHealth(ok=True, detail="redis")


def health_report() -> tuple[bool, dict[str, object]]:
    components = {"database": database_health(), "broker": broker_health()}
    healthy = all(c.ok for c in components.values())
    return healthy, {
        "status": "ok" if healthy else "unavailable",
        **{name: asdict(c) for name, c in components.items()},
    }
