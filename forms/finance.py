"""Forms of the finance bureau's tasks: risk-fund top-up, subsidy settlement review and payment."""
from __future__ import annotations

__all__: list[str] = []
