"""No Docker engine runs in CI, so the compose file is checked as data: it parses,
and it runs the five services a deployment needs, wired to each other."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_file_runs_the_five_services():
    assert set(compose()["services"]) == {"postgres", "redis", "web", "worker", "beat"}


def test_web_worker_and_beat_share_the_image_and_reach_postgres_and_redis():
    services = compose()["services"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DJANGO_ENV"] == "production"
        assert "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:6379")
        assert set(services[name]["depends_on"]) == {"postgres", "redis"}
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "attendance_site", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "attendance_site", "beat"]


def test_dockerfile_builds_assets_with_node_then_runs_python_with_weasyprint_libraries():
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = [line for line in dockerfile.splitlines() if line.startswith("FROM ")]
    assert stages[0].startswith("FROM node:")
    assert stages[0].endswith("AS assets")
    assert stages[1].startswith("FROM python:3.11")
    assert "COPY --from=assets" in dockerfile
    assert "libpango-1.0-0" in dockerfile
