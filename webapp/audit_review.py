"""Audit review for supervisors (审计查询)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("audit_review", __name__)
