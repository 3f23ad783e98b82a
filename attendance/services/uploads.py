"""Keeping an uploaded file while its form is corrected.

A browser cannot fill in a file input again, so when the import form comes back
with an error (an invalid academic year, a missing kind) the file already sent
is kept in the default storage under `imports/pending/`, and the page carries a
signed token for it instead. The token names the stored file and the file's
own name, is bound to the user who uploaded it and expires after `KEEP_FOR`.
A kept file is deleted once imported or replaced; any older than `KEEP_FOR` are
deleted whenever a file is kept or deleted.

`imports/pending/` is never served: the project has no MEDIA_URL route, and the
stored name is random. Keeping a file writes no audit row: nothing is imported
until `import_batch_create`, which records the upload.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core import signing
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

if TYPE_CHECKING:
    from accounts.models import User

KEEP_FOR = dt.timedelta(hours=1)
PENDING_DIR = "imports/pending"
_KEY = re.compile(rf"^{re.escape(PENDING_DIR)}/[0-9a-f]{{32}}$")
_SALT = "attendance.kept-upload"


class KeptUploadError(Exception):
    """A kept file that cannot be used; the message is for the user."""


@dataclass(frozen=True)
class KeptUpload:
    token: str
    name: str  # the file's own name, as the user's computer gave it
    key: str  # where it is kept in the default storage


def upload_allowed(user: User) -> bool:
    """Whether `user` can import a file through the upload page. An upload is
    imported for the uploader's school (`import_batch_create`); an account
    linked to no school, a system administrator's, imports with the
    import_ctf and import_marks commands instead."""
    return user.school_id is not None


def upload_keep(*, acting_user: User, upload: UploadedFile) -> KeptUpload:
    """Keep `upload` for `KEEP_FOR` and return it with its token."""
    kept_uploads_purge()
    key = default_storage.save(f"{PENDING_DIR}/{secrets.token_hex(16)}", upload)
    name = (upload.name or "upload")[:255]
    token = signing.dumps({"key": key, "name": name}, salt=_salt(acting_user), compress=True)
    return KeptUpload(token=token, name=name, key=key)


def kept_upload_get(*, acting_user: User, token: str) -> KeptUpload:
    """The kept file a token names, if the token is the user's own, unexpired,
    and the file is still there; else KeptUploadError."""
    try:
        payload = signing.loads(token, salt=_salt(acting_user), max_age=KEEP_FOR)
    except signing.SignatureExpired as exc:
        raise KeptUploadError(
            "The file you selected more than an hour ago is no longer kept. Select it again"
        ) from exc
    except signing.BadSignature as exc:
        raise KeptUploadError(_NOT_FOUND) from exc
    key = payload.get("key") if isinstance(payload, dict) else None
    name = payload.get("name") if isinstance(payload, dict) else None
    if not isinstance(key, str) or not _KEY.match(key) or not isinstance(name, str):
        raise KeptUploadError(_NOT_FOUND)
    if not default_storage.exists(key):
        raise KeptUploadError(_NOT_FOUND)
    return KeptUpload(token=token, name=name, key=key)


def kept_upload_open(kept: KeptUpload) -> UploadedFile:
    """The kept file, under its own name, to import like a fresh upload."""
    try:
        handle = default_storage.open(kept.key, "rb")
        size = default_storage.size(kept.key)
    except FileNotFoundError as exc:
        raise KeptUploadError(_NOT_FOUND) from exc
    return UploadedFile(file=handle, name=kept.name, size=size)


def kept_upload_discard(kept: KeptUpload) -> None:
    """Delete a kept file once it is imported or replaced by another, and any
    past their hour."""
    default_storage.delete(kept.key)
    kept_uploads_purge()


def kept_uploads_purge(*, now: dt.datetime | None = None) -> int:
    """Delete kept files older than `KEEP_FOR` (their tokens have expired);
    returns how many."""
    cutoff = (now or timezone.now()) - KEEP_FOR
    try:
        _, names = default_storage.listdir(PENDING_DIR)
    except FileNotFoundError:
        return 0
    removed = 0
    for name in names:
        key = f"{PENDING_DIR}/{name}"
        try:
            if default_storage.get_modified_time(key) < cutoff:
                default_storage.delete(key)
                removed += 1
        except FileNotFoundError:  # deleted meanwhile by another request
            continue
    return removed


_NOT_FOUND = "The file you selected before could not be found. Select it again"


def _salt(user: User) -> str:
    return f"{_SALT}:{user.pk}"
