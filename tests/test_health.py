import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker_without_signing_in(settings):
    settings.REDIS_URL = ""
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True


def test_healthz_is_unavailable_when_the_broker_cannot_be_reached(settings):
    # Port 9 (discard) has nothing listening here: the connection is refused at once.
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == {"ok": False, "detail": "ConnectionError"}
    assert response.json()["database"]["ok"] is True


@pytest.mark.redis
def test_healthz_reaches_a_real_redis(settings):
    import os

    settings.REDIS_URL = os.environ["REDIS_URL"]
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == {"ok": True, "detail": "redis"}
