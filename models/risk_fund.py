"""The risk-compensation fund ledger (风险补偿金)."""
from __future__ import annotations
