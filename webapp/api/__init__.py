"""The JSON API under ``/api/v1`` (bearer tokens, OpenAPI document at ``/api/v1/openapi.json``).

``base`` holds the blueprint and the token gate; each module below adds its endpoints to it.
"""
from . import households, loans, openapi, tasks, tokens  # noqa: F401  (each registers its routes on bp)
from .base import bp

__all__ = ["bp"]
