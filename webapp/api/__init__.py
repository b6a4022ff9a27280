"""The JSON API under ``/api/v1`` (bearer tokens, OpenAPI document at ``/api/v1/openapi.json``).

``base`` holds the blueprint and the token gate; each module below adds its endpoints to it.
"""
from . import (  # noqa: F401  (each registers its routes on bp)
    audit, households, imports, loans, openapi, processes, reports, repayments, tasks, tokens,
)
from .base import bp

__all__ = ["bp"]
