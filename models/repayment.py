"""Repayment schedules and repayments (还款计划, 还款记录)."""
from __future__ import annotations
