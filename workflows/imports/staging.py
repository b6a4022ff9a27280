"""Keep an uploaded file between the preview and the confirmation, without state in the web process.

The file goes into a folder on disk (the web layer passes the instance folder's ``imports/``) under
a random token, beside a small JSON note of who uploaded it, for which import, its name and its
SHA-256. Confirming reads it back only for the same user and import kind and checks the hash, so
a token alone is worth nothing to anyone else. Files older than ``MAX_AGE`` are deleted on the next
upload. Several web processes on one host share the folder. A file over the upload limits is refused
(``UploadRefusedError``) and never written.
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from .. import clock
from ..errors import NotFoundError
from .reading import check_upload

MAX_AGE = timedelta(hours=24)
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


@dataclass(frozen=True)
class StagedFile:
    token: str
    kind: str
    filename: str
    sha256: str
    data: bytes


def stage(folder: str | Path, kind: str, user_id: int, filename: str, data: bytes) -> StagedFile:
    check_upload(data, filename)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    purge(folder)
    token = secrets.token_urlsafe(32)
    staged = StagedFile(token, kind, filename, hashlib.sha256(data).hexdigest(), data)
    (folder / f"{token}.bin").write_bytes(data)
    note = {"kind": kind, "user_id": user_id, "filename": filename, "sha256": staged.sha256,
            "staged_at": clock.wall_now().isoformat()}
    (folder / f"{token}.json").write_text(json.dumps(note), encoding="utf-8")
    return staged


def load(folder: str | Path, kind: str, user_id: int, token: str | None) -> StagedFile:
    """The staged file, or ``NotFoundError`` (unknown or expired token, another user or kind, changed bytes)."""
    if not token or not TOKEN_RE.match(token):
        raise NotFoundError("no such upload")
    folder = Path(folder)
    try:
        note = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
        data = (folder / f"{token}.bin").read_bytes()
    except (OSError, ValueError):
        raise NotFoundError("no such upload") from None
    fresh = clock.wall_now() - datetime.fromisoformat(note["staged_at"]) <= MAX_AGE
    if not fresh or note["kind"] != kind or note["user_id"] != user_id or hashlib.sha256(data).hexdigest() != note["sha256"]:
        raise NotFoundError("no such upload")
    return StagedFile(token, kind, note["filename"], note["sha256"], data)


def discard(folder: str | Path, token: str) -> None:
    if TOKEN_RE.match(token or ""):
        for suffix in (".bin", ".json"):
            (Path(folder) / f"{token}{suffix}").unlink(missing_ok=True)


def purge(folder: Path) -> None:
    """Delete staged files older than ``MAX_AGE`` (best effort: another process may be deleting too)."""
    for note_path in folder.glob("*.json"):
        try:
            staged_at = datetime.fromisoformat(json.loads(note_path.read_text(encoding="utf-8"))["staged_at"])
        except (OSError, ValueError, KeyError):
            continue
        if clock.wall_now() - staged_at > MAX_AGE:
            discard(folder, note_path.stem)
