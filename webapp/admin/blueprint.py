"""The admin blueprint and its guard: administrators only, before every view of the blueprint.

Anonymous users go to the sign-in page, other roles get 403, so a new view cannot forget the check.
"""
from __future__ import annotations

from flask import Blueprint

from ..auth import roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@roles_required("admin")
def _administrators_only():
    return None
