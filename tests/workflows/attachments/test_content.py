"""A file is judged by its bytes: JPEG, PNG or PDF whose name fits, within the size and pixel limits."""
from __future__ import annotations

import pytest

from workflows.attachments import content
from workflows.errors import PolicyViolationError

from .samples import jpeg, padded, pdf, phone_photo, png, png_bomb


def refusal(data: bytes, name: str) -> str:
    with pytest.raises(PolicyViolationError) as refused:
        content.check(data, name)
    assert refused.value.field_errors == {"file": list(refused.value.codes)}
    return refused.value.codes[0]


@pytest.mark.parametrize("data, name, kind", [
    (jpeg(), "visit.jpg", "image/jpeg"), (jpeg(), "VISIT.JPEG", "image/jpeg"), (png(), "map.png", "image/png"),
    (pdf(), "contract.pdf", "application/pdf"),
])
def test_jpeg_png_and_pdf_are_accepted_by_their_bytes(data, name, kind):
    checked = content.check(data, name)
    assert checked.content_type == kind
    assert (checked.thumbnail is None) == (kind == "application/pdf")


def test_a_phone_photo_of_six_megabytes_is_accepted_with_its_size_and_a_small_thumbnail():
    checked = content.check(phone_photo(), "IMG_0001.jpg")
    assert (checked.width, checked.height) == (2800, 2000)
    assert checked.thumbnail.startswith(b"\xff\xd8\xff") and len(checked.thumbnail) < 100_000


@pytest.mark.parametrize("data, name", [
    (png(), "scan.pdf"),  # a PNG renamed .pdf
    (b"just some text, not a photo\n" * 10, "photo.jpg"),  # a text file named .jpg
    (pdf(), "contract.jpg"),
    (jpeg(), "visit.exe"),
    (b"<html><script>alert(1)</script></html>", "page.pdf"),
    (b"", "empty.jpg"),
    (b"GIF89a" + b"\0" * 100, "anim.gif"),
])
def test_a_file_whose_bytes_are_not_what_its_name_says_is_refused(data, name):
    assert refusal(data, name) == "attachment_type_refused"


@pytest.mark.parametrize("data", [
    jpeg()[:200],  # a photo cut short: the decode fails
    b"\xff\xd8\xff\xe0" + b"\0" * 500,  # JPEG magic bytes and nothing behind them
    png()[:-12] + b"\0" * 12,  # a PNG whose end chunk is broken: verify fails
])
def test_an_image_that_does_not_decode_whole_is_refused(data):
    assert refusal(data, "broken.jpg" if data.startswith(b"\xff") else "broken.png") == "attachment_type_refused"


@pytest.mark.parametrize("data", [
    pdf().replace(b"%%EOF", b"%%EOX"),  # no trailer end
    pdf().replace(b"startxref", b"startxxxx"),
    b"%PDF-9.9\n" + pdf()[9:],  # no such version
])
def test_a_pdf_without_its_header_and_trailer_is_refused(data):
    assert refusal(data, "contract.pdf") == "attachment_type_refused"


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    bomb = png_bomb()  # 100,000 × 100,000 pixels declared in a few hundred bytes
    assert len(bomb) < 1000
    assert refusal(bomb, "bomb.png") == "attachment_bomb"


def test_the_pixel_limit_is_exact():
    assert 10_000 * 5_000 == content.MAX_PIXELS
    assert refusal(png_bomb(10_000, 5_001), "big.png") == "attachment_bomb"
    assert refusal(png_bomb(10_000, 5_000), "big.png") == "attachment_type_refused"  # at the limit: decoded (and short)


def test_the_size_limit_is_exact_to_the_byte():
    assert content.MAX_FILE_BYTES == 15 * 1024 * 1024
    assert content.check(padded(jpeg(), content.MAX_FILE_BYTES), "big.jpg").content_type == "image/jpeg"
    assert refusal(padded(jpeg(), content.MAX_FILE_BYTES + 1), "big.jpg") == "attachment_too_large"
