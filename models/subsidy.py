"""Interest-subsidy settlements (贴息结算)."""
from __future__ import annotations
