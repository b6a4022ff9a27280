"""The JSON API under ``/api/v1`` (bearer tokens, OpenAPI document at ``/api/v1/openapi.json``).

``base`` holds the blueprint and the token gate, ``inputs`` holds every request to the document; each
other module below adds its endpoints to the blueprint and documents them.
"""
from . import (  # noqa: F401  (each registers its routes or its checks on bp)
    attachments, audit, clock, credit, households, imports, inputs, loans, openapi, processes, reference,
    registration, reports, repayments, tasks, tokens, users,
)
from .base import bp

__all__ = ["bp"]
