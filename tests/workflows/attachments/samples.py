"""Files for the attachment tests, made in memory: photos, a PDF, a decompression bomb, padded files."""
from __future__ import annotations

import io
import os
import struct
import zlib

from PIL import Image

from models import HumanTask
from tests.factories import World, drive, make_household, ready_task, register


def jpeg(width: int = 64, height: int = 48, noise: bool = False, quality: int = 85) -> bytes:
    """A JPEG; with ``noise`` its pixels are random, so it hardly compresses (a camera-sized file)."""
    if noise:
        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        image = Image.new("RGB", (width, height), (40, 120, 60))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def phone_photo() -> bytes:
    """A JPEG of more than 6 MB, as a phone takes them."""
    data = jpeg(2800, 2000, noise=True, quality=95)
    assert len(data) > 6_000_000, len(data)
    return data


def png(width: int = 32, height: int = 32) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def padded(data: bytes, size: int) -> bytes:
    """``data`` followed by zero bytes up to ``size`` (a JPEG ignores what follows its end marker)."""
    return data + b"\0" * (size - len(data))


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG of a few hundred bytes whose header declares ``width`` × ``height`` pixels (10 gigapixels)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 4096, 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")


def pdf() -> bytes:
    """A one-page PDF (header, objects, cross-reference table, trailer)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, start)
    return bytes(out)


def investigation(world: World) -> HumanTask:
    """A hanfeng loan waiting at the cqrcb officer's investigation."""
    loan = register(world, make_household("hanfeng"))
    drive(world, loan.id, until="investigate_credit")
    return ready_task(loan.id, "investigate_credit")
