"""Spreadsheet imports: household list, earlier-campaign loans, LPR publications."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("imports", __name__)
