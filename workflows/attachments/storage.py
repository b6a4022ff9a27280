"""Where attached files live (附件存储): content-addressed, so a file stored twice is stored once.

``ATTACHMENT_STORAGE`` (webapp/config.py) chooses the storage: empty is ``<instance>/attachments``,
``file:<folder>`` another folder. An object store is one more class with ``put``/``read``/``exists``
and one more prefix in ``from_setting``.
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

DIGEST = re.compile(r"[0-9a-f]{64}")


class Storage(Protocol):
    """Bytes by their SHA-256 hex digest."""

    def put(self, digest: str, data: bytes) -> bool:
        """Store ``data`` under ``digest``; False when it was there already (nothing written)."""

    def read(self, digest: str) -> bytes:
        """The stored bytes; ``FileNotFoundError`` when there are none."""

    def exists(self, digest: str) -> bool:
        """Whether bytes are stored under ``digest``."""


class LocalStorage:
    """A folder: ``<root>/ab/abcdef…`` (the first two hex digits fan the files out)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path_for(self, digest: str) -> Path:
        if not DIGEST.fullmatch(digest):
            raise ValueError(f"not a SHA-256 hex digest: {digest!r}")
        return self.root / digest[:2] / digest

    def exists(self, digest: str) -> bool:
        return self.path_for(digest).is_file()

    def put(self, digest: str, data: bytes) -> bool:
        path = self.path_for(digest)
        if path.is_file():
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, path)  # atomic: a reader never sees half a file
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return True

    def read(self, digest: str) -> bytes:
        return self.path_for(digest).read_bytes()


def from_setting(setting: str | None, instance_path: str | os.PathLike) -> Storage:
    """The storage ``ATTACHMENT_STORAGE`` names (see the module); an unknown kind is a configuration error."""
    if not setting:
        return LocalStorage(Path(instance_path) / "attachments")
    if setting.startswith("file:"):
        return LocalStorage(setting.removeprefix("file:"))
    raise ValueError(f"unknown ATTACHMENT_STORAGE {setting!r}: leave it empty or use file:<folder>")
