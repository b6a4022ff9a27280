"""The finance bureau's pages: risk fund ledger and subsidy settlements."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("finance", __name__)
