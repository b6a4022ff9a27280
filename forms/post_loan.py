"""Forms of the post-loan tasks (贷后管理): visits, maturity review, extension, recovery."""
from __future__ import annotations

__all__: list[str] = []
