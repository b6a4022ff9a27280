"""Administration (系统管理): process diagrams, decision tables, policy settings, LPR, migrations."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
