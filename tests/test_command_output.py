"""Management commands print only their own output: with nothing configured (no
REDIS_URL, the default log level) no library's INFO lines and no broker warning
reach stderr. Run in a subprocess, with the real settings and logging."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .factories_attendance import SAMPLE_CTF

ROOT = Path(__file__).resolve().parent.parent
NOISE = ("weasyprint", "fontTools", "kombu", "No hostname was supplied", "celery")


@pytest.fixture
def manage(tmp_path):
    # Only what a newcomer's shell has: no REDIS_URL, LOG_LEVEL or settings module.
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["check"], id="check"),
        pytest.param(["import_ctf", "--help"], id="import_ctf-help"),
        pytest.param(["seed_demo", "--help"], id="seed_demo-help"),
    ],
)
def test_a_command_writes_nothing_to_stderr(manage, args):
    result = manage(*args)
    assert result.returncode == 0, result.stderr
    assert result.stdout
    assert result.stderr == ""


def test_an_import_that_queues_a_task_prints_no_library_lines_or_broker_warning(manage):
    assert manage("migrate", "--verbosity", "0").returncode == 0
    result = manage("import_ctf", str(SAMPLE_CTF))

    assert result.returncode == 0, result.stderr
    assert "Pupils added: 14" in result.stdout
    noisy = [line for line in result.stderr.splitlines() if any(n in line for n in NOISE)]
    assert noisy == []
