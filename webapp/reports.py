"""Reports with charts and Excel exports (报表)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__)
