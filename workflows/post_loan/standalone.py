"""The post-loan part started on its own (独立启动贷后), not through ``microcredit_loan``'s call activity.

For a loan already disbursed elsewhere (imported from an earlier campaign period) or whose post-loan
part is restarted on a newer diagram (``workflows.post_loan.upgrade``). Its timers come from the
loan's columns and the business date: a current loan waits for its next visit and its reminder; a
loan past maturity opens its maturity review at once; a loan in recovery (``recovering``) opens
``recover_loan`` at once. Full repayment ends it like the called part (``workflows.loan_events``).
"""
from __future__ import annotations

from models import Loan, ProcessInstance

from .. import audit, clock, engine, instances, loan_events
from ..audit import Actor
from ..errors import ProcessError
from .timing import next_check

PROCESS_KEY = "post_loan"
RECOVERY_STATUSES = frozenset({"recovering"})


def start_data(loan: Loan, day, reminded_for: str | None = None) -> dict:
    """The task data the standalone part starts with (the same names the disbursement step sets)."""
    entry = "recovery" if loan.status in RECOVERY_STATUSES else "monitoring"
    return {"loan_id": loan.id, "disbursed_on": loan.disbursed_on, "post_loan_result": "closed",
            **next_check(loan.disbursed_on, loan.maturity_date, day, reminded_for), "entry_point": entry}


def start(loan: Loan, data: dict) -> instances.LoadedInstance:
    """A running ``post_loan`` instance for ``loan`` with ``data``; timers already due fire at once."""
    loaded = instances.start(PROCESS_KEY, loan, data)
    engine.run_engine(loaded.workflow)  # a second pass fires the timers that were due when they began waiting
    instances.save(loaded)
    return loaded


def start_standalone(loan: Loan, actor: Actor) -> ProcessInstance:
    """Start ``post_loan`` for the disbursed ``loan`` in the caller's transaction; returns its instance.

    Refused (``ProcessError``) for a loan without disbursement and maturity dates or one whose
    process already runs (a loan's post-loan part runs once)."""
    if loan.disbursed_on is None or loan.maturity_date is None:
        raise ProcessError(f"loan {loan.id} has no disbursement or maturity date: no post-loan part to start")
    if loan_events.running_instance(loan) is not None:
        raise ProcessError(f"loan {loan.id} already has a running process")
    data = start_data(loan, clock.today())
    loaded = start(loan, data)
    instances.settle(loaded, loan)
    audit.record("post_loan_started", actor, loan=loan, process_instance_id=loaded.row.id,
                 after={"entry_point": data["entry_point"],
                        "maturity_date": loan.maturity_date, "days_past_due": loan.days_past_due,
                        "extension_count": loan.extension_count})
    return loaded.row
