"""日监测: the daily monitoring page."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("monitoring", __name__)
