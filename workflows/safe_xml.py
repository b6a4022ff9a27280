"""Safe parsing of uploaded BPMN/DMN documents.

Uploaded diagrams never need a DOCTYPE, so any DOCTYPE or entity declaration is refused outright
(XXE, billion laughs, external DTDs, parameter entities). The parser itself is configured not to
resolve entities, load DTDs or touch the network, as a second line of defence.
"""
from __future__ import annotations

import re

from lxml import etree

from .errors import UnsafeXmlError

__all__ = ["parse_xml"]

_DECLARATIONS = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_DECL_ENCODING = re.compile(
    r"""\A(\ufeff?\s*<\?xml[^>]*?\bencoding\s*=\s*)(["'])[^"']*\2""")


def _to_bytes(source: bytes | str) -> bytes:
    """UTF-8 bytes; a str keeps its XML declaration but its encoding is rewritten to UTF-8."""
    if isinstance(source, bytes):
        return source
    if isinstance(source, str):
        return _XML_DECL_ENCODING.sub(r"\1\2UTF-8\2", source, count=1).encode("utf-8")
    raise TypeError(f"expected bytes or str, got {type(source).__name__}")


def _make_parser() -> etree.XMLParser:
    """A fresh parser per call (lxml parser objects are not meant to be shared across threads)."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_comments=False)


def parse_xml(source: bytes | str) -> etree._Element:
    """Parse an uploaded document and return its root element, or raise UnsafeXmlError."""
    data = _to_bytes(source)
    found = _DECLARATIONS.search(data)
    if found:
        raise UnsafeXmlError(f"{found.group(1).decode().upper()} declarations are not allowed")
    try:
        root = etree.fromstring(data, _make_parser())
    except etree.XMLSyntaxError as err:
        raise UnsafeXmlError(f"not well-formed XML: {err}") from err
    if root is None:
        raise UnsafeXmlError("not well-formed XML: empty document")
    if root.getroottree().docinfo.doctype:
        raise UnsafeXmlError("DOCTYPE declarations are not allowed")
    return root
