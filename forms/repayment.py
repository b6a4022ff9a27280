"""The repayment form (还款登记) used by the loan page and the API."""
from __future__ import annotations

__all__: list[str] = []
