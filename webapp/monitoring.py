"""日监测: the daily monitoring page for townships, banks and supervisors (scoped like the loan list)."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from models import RISK_CLASSES
from workflows import loan_queries, monitoring

from .auth import current_actor, roles_required

bp = Blueprint("monitoring", __name__)
MONITORING_ROLES = ("township_clerk", "bank_officer", "bank_approver", "supervisor")
RISK_NAMES = {"normal": _l("Normal"), "special_mention": _l("Special mention"), "substandard": _l("Substandard"),
              "doubtful": _l("Doubtful"), "loss": _l("Loss")}


def risk_name(code: str) -> str:
    """正常 关注 次级 可疑 损失."""
    return str(RISK_NAMES.get(code, code))


@bp.get("/monitoring")
@roles_required(*MONITORING_ROLES)
def index():
    filters = monitoring.MonitoringFilters.from_args(request.args)
    board = monitoring.monitoring(current_actor().user, filters)
    return render_template("monitoring/index.html", board=board, filters=filters,
                           choices=loan_queries.filter_choices(), risk_classes=RISK_CLASSES,
                           risk_name=risk_name)
