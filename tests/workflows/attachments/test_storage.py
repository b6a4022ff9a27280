"""The attachment storage: content-addressed files in a folder, chosen by ATTACHMENT_STORAGE."""
from __future__ import annotations

import hashlib

import pytest

from workflows.attachments.storage import LocalStorage, from_setting


def test_bytes_are_kept_under_their_hash_once(tmp_path):
    storage, data = LocalStorage(tmp_path), b"photo bytes"
    digest = hashlib.sha256(data).hexdigest()
    assert storage.put(digest, data) is True
    assert storage.put(digest, data) is False
    assert storage.read(digest) == data and storage.exists(digest)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [digest[:2], f"{digest[:2]}/{digest}"]


@pytest.mark.parametrize("digest", ["../../etc/passwd", "A" * 64, "0" * 63, ""])
def test_only_a_sha256_names_a_file(tmp_path, digest):
    with pytest.raises(ValueError):
        LocalStorage(tmp_path).read(digest)


def test_the_setting_chooses_the_folder(tmp_path):
    assert from_setting("", tmp_path).root == tmp_path / "attachments"
    assert from_setting(None, tmp_path).root == tmp_path / "attachments"
    assert from_setting(f"file:{tmp_path / 'elsewhere'}", "/nowhere").root == tmp_path / "elsewhere"
    with pytest.raises(ValueError):
        from_setting("s3://bucket", tmp_path)
