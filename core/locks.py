"""Advisory locks, so that a nightly job started twice (beat and a person at the
command line, say) runs once. PostgreSQL only; elsewhere there is one process."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


class JobAlreadyRunning(RuntimeError):
    pass


@contextmanager
def advisory_lock(name: str) -> Iterator[None]:
    if connection.vendor != "postgresql":
        yield
        return
    key = zlib.crc32(name.encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        (acquired,) = cursor.fetchone() or (False,)
        if not acquired:
            raise JobAlreadyRunning(f"{name} is already running")
        try:
            yield
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
