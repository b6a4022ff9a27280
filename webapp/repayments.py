"""Recording repayments on the loan page (还款登记)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("repayments", __name__)
