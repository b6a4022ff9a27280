"""Credit lines by grade (授信额度): DMN ``credit_line`` of the deployed loan process stays the one source."""
from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from .. import engine, instances

LOAN_PROCESS = "microcredit_loan"
DECISION = "credit_line"


def _decision_engine():
    """The DMN engine of the ``credit_line`` business rule task of the newest deployed loan process."""
    parsed = engine.SPECS.get(instances.latest_version(LOAN_PROCESS))
    for spec in (parsed.spec, *parsed.subprocess_specs.values()):
        for task_spec in spec.task_specs.values():
            dmn = getattr(task_spec, "dmnEngine", None)
            if dmn is not None and dmn.decision_table.id.startswith(DECISION):
                return dmn
    raise LookupError(f"no business rule task calls DMN {DECISION!r} in {LOAN_PROCESS}")


def credit_line_for(grade: str) -> Decimal:
    """The credit line DMN ``credit_line`` gives ``grade`` (0 for a grade it does not lend to)."""
    task = SimpleNamespace(data={"grade": grade}, workflow=SimpleNamespace(script_engine=engine.SCRIPT_ENGINE))
    result = _decision_engine().result(task)
    return Decimal(str(result.get("credit_line", 0))).quantize(Decimal("0.01"))
