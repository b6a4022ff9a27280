"""What the extension pages show beside the form (展期要素): the request and the limits that apply.

``task_facts`` is merged into the loan panel of a post-loan task (``loan_steps.loan_facts`` for the
called part, ``part_facts`` for a part started on its own): for ``request_extension`` the limits,
for ``approve_extension`` also the requested maturity date and the reason.
"""
from __future__ import annotations

from models import HumanTask, HumanTaskState, Loan, ProcessInstance

from .. import clock
from ..tasks import facts
from . import extension

EXTENSION_TASKS = ("request_extension", "approve_extension")


def task_facts(row: HumanTask, loan: Loan | None) -> dict:
    """``{"extension": {...}}`` for an extension task of a disbursed loan, else nothing."""
    if row.name not in EXTENSION_TASKS or loan is None or loan.maturity_date is None:
        return {}
    data = facts.task_data(row) if row.state == HumanTaskState.READY else {}
    limits = extension.limits(loan, clock.today())
    return {"extension": {
        "requested": data.get("new_maturity_date"), "reason": data.get("extension_reason"),
        "latest": limits.latest, "months": limits.months, "term_months": limits.term_months,
        "bound_by": limits.bound_by, "window_closes": loan.maturity_date,
    }}


@facts.register("post_loan")
def part_facts(row: HumanTask, instance: ProcessInstance, loan: Loan | None) -> tuple[str, dict]:
    """A post-loan part started on its own: the loan panel, with the extension facts."""
    from ..loan_steps import loan_facts  # the loan panel's own provider (loan_steps imports this package)

    panel, details = loan_facts(row, instance, loan)
    return panel, {**details, **task_facts(row, loan)}
