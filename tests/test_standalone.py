"""The repository stands on its own: a fresh clone with nothing beside it runs
every test, and no file sends a reader to a folder outside it. The rules live in
docs/rules.md and the sample CTF in tests/fixtures/ctf/."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THIS_FILE = Path(__file__).resolve().relative_to(ROOT).as_posix()

# What a reference to the old research folder beside the repository looks like.
# Built from parts so that this file does not itself name the folder.
_FOLDER = "sha" + "red"
OUTSIDE = (f"../{_FOLDER}", f"{_FOLDER}/fixtures", f"{_FOLDER}/seeds", "domain" + ".md")

# Used only where git is missing (e.g. the Docker image, which has no .git).
_NOT_OURS = {".git", ".venv", ".tools", "node_modules", "staticfiles", "__pycache__", "var"}


@dataclass(frozen=True)
class Reference:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text}"


def _tracked_files() -> list[str]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        found = []
        for folder, dirs, files in os.walk(ROOT):
            dirs[:] = [d for d in dirs if d not in _NOT_OURS and not d.startswith(".")]
            here = Path(folder).relative_to(ROOT)
            if here.as_posix() == "static/build":
                dirs[:] = []
                continue
            found.extend((here / name).as_posix() for name in files)
        return found
    return [name for name in listed.decode().split("\0") if name]


def references_outside() -> list[Reference]:
    """Every line of every tracked file (but this one) naming the old folder."""
    found = []
    for name in _tracked_files():
        if name == THIS_FILE or name.split("/")[0] in _NOT_OURS:
            continue
        path = ROOT / name
        if not path.is_file():  # deleted in the working tree, not yet committed
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        if not any(needle in text for needle in OUTSIDE):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if any(needle in line for needle in OUTSIDE):
                found.append(Reference(name, number, line.strip()))
    return found


def test_no_file_refers_to_a_folder_outside_the_repository():
    found = references_outside()
    assert not found, "Point these at docs/rules.md or tests/fixtures/ instead:\n" + "\n".join(
        map(str, found)
    )
