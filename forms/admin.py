"""Administrator forms: policy settings, LPR publications, deployment comments."""
from __future__ import annotations

__all__: list[str] = []
