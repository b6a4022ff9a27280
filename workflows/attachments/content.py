"""What a file is, by its bytes (附件内容检查): JPEG, PNG or PDF, never judged by its name or declared type.

- at most ``MAX_FILE_BYTES`` (15 MiB: a phone photo of 48 megapixels is 5 to 12 MB), else
  ``attachment_too_large``;
- the first bytes name the type (JPEG ``FF D8 FF``, PNG's eight-byte signature, PDF ``%PDF-``) and the
  name's extension must be one of that type's (a PNG named ``.pdf`` is refused), else
  ``attachment_type_refused``;
- an image must declare at most ``MAX_PIXELS`` (50 megapixels) before anything is decoded, else
  ``attachment_bomb`` (a decompression bomb: a small file that decodes to gigabytes); it must then pass
  Pillow's ``verify`` and decode whole (its thumbnail is made from that decode);
- a PDF must start with its header and end with its trailer (``startxref`` and ``%%EOF`` in its last
  kilobyte).
"""
from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

from ..errors import PolicyViolationError

MAX_FILE_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 50_000_000
THUMBNAIL_SIZE = (320, 320)
PDF_TAIL = 1024
PDF_HEADER = re.compile(rb"%PDF-[12]\.[0-9]")
SIGNATURES = (  # (first bytes, content type, Pillow format)
    (b"\xff\xd8\xff", "image/jpeg", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
    (b"%PDF-", "application/pdf", None),
)
EXTENSIONS = {"image/jpeg": (".jpg", ".jpeg"), "image/png": (".png",), "application/pdf": (".pdf",)}
ACCEPTED_EXTENSIONS = tuple(ext for exts in EXTENSIONS.values() for ext in exts)


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed: its type, and for an image its size in pixels and a JPEG thumbnail."""

    content_type: str
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None


def refused(code: str) -> PolicyViolationError:
    return PolicyViolationError([code], {"file": [code]})


def check(data: bytes, file_name: str) -> CheckedFile:
    """The checked file, or ``PolicyViolationError`` with the code of the first check it fails."""
    if len(data) > MAX_FILE_BYTES:
        raise refused("attachment_too_large")
    content_type, image_format = sniff(data)
    if content_type is None or not file_name.lower().endswith(EXTENSIONS[content_type]):
        raise refused("attachment_type_refused")
    if image_format is None:
        check_pdf(data)
        return CheckedFile(content_type)
    return check_image(data, content_type, image_format)


def sniff(data: bytes) -> tuple[str | None, str | None]:
    """(content type, Pillow format) from the first bytes; (None, None) for anything else."""
    for signature, content_type, image_format in SIGNATURES:
        if data.startswith(signature):
            return content_type, image_format
    return None, None


def check_pdf(data: bytes) -> None:
    tail = data[-PDF_TAIL:]
    if not PDF_HEADER.match(data) or b"%%EOF" not in tail or b"startxref" not in tail:
        raise refused("attachment_type_refused")


def check_image(data: bytes, content_type: str, image_format: str) -> CheckedFile:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            width, height = _verified_size(data, image_format)
            return CheckedFile(content_type, width, height, _thumbnail(data, image_format))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise refused("attachment_bomb") from None
        except (OSError, SyntaxError, ValueError, EOFError, Image.UnidentifiedImageError):
            raise refused("attachment_type_refused") from None


def _verified_size(data: bytes, image_format: str) -> tuple[int, int]:
    """The declared size, refused above ``MAX_PIXELS`` before any decoding; then Pillow's ``verify``."""
    with Image.open(io.BytesIO(data), formats=[image_format]) as image:
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise Image.DecompressionBombError(f"{width}x{height} pixels")
        image.verify()
    return width, height


def _thumbnail(data: bytes, image_format: str) -> bytes:
    """A JPEG of at most ``THUMBNAIL_SIZE``, upright (EXIF orientation): decoding it proves the image whole."""
    with Image.open(io.BytesIO(data), formats=[image_format]) as image:
        image.draft("RGB", (THUMBNAIL_SIZE[0] * 2, THUMBNAIL_SIZE[1] * 2))  # JPEG: decode at a reduced scale
        image.load()
        small = ImageOps.exif_transpose(image).convert("RGB")
        small.thumbnail(THUMBNAIL_SIZE)
        out = io.BytesIO()
        small.save(out, "JPEG", quality=80)
        return out.getvalue()
