"""API endpoints of the imports area (see openapi.add_paths)."""
from __future__ import annotations

from .base import bp  # noqa: F401
