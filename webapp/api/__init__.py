"""The JSON API under ``/api/v1`` (bearer tokens, OpenAPI document at ``/api/v1/openapi.json``).

``base`` holds the blueprint and the token gate, ``inputs`` holds every request to the document; each
other module below adds its endpoints to the blueprint and documents them.
"""
from . import (  # noqa: F401  (each registers its routes or its checks on bp)
    audit, households, imports, inputs, loans, openapi, processes, reference, reports, repayments, tasks, tokens,
)
from .base import bp

__all__ = ["bp"]
