"""Quarterly interest-subsidy settlement (贴息季度结算), one per bank and quarter.

Scheduling (our choice among the brief's options): ``ensure_scheduled(now)``, called by every
timer sweep and by setup, makes sure each bank has a ``subsidy_settlements`` row and a running
``interest_subsidy_settlement`` instance for the quarter running ``now``. The instance waits on a
timeDate timer at the first day of the next quarter, 09:00 Asia/Shanghai (``settle_at``); the
worker fires it like any other timer. Once ``settle_at`` has passed, ``ensure_scheduled`` draws
up the lines (``compute_settlement``: status ``computed``); the review refuses a settlement not
computed yet. A row per (year, quarter, bank) makes scheduling idempotent. A process per bank
(rather than one per quarter with a multi-instance per bank) keeps each bank's confirmation in
that bank's inbox scope and lets one bank's settlement go ahead without waiting for the others.

Figures come from ``money.subsidy``: interest actually paid in the quarter (B's
``repayments.interest_paid``: contract interest only, never penalty interest), on the loan's
``subsidised_principal`` (capped at 50,000 per household at disbursement), times the dated
setting ``subsidy_share`` in force on the disbursement day (an extension keeps its loan's date).
"""
from __future__ import annotations

import logging
from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from models import IS_READY, Bank, HumanTask, Loan, ProcessVersion, User, db
from models.repayment import Repayment
from models.subsidy import SubsidyLine, SubsidySettlement

from . import audit, clock, instances, keyset, policy, repayments
from .audit import SYSTEM
from .errors import ForbiddenError, NotFoundError, PolicyViolationError
from .money import subsidy as formulas
from .permissions import BANK_ROLES
from .tasks import facts, steps
from .unit_of_work import unit_of_work

log = logging.getLogger(__name__)
PROCESS_KEY = "interest_subsidy_settlement"
SETTLE_TIME = time(9, 0)  # 09:00 on the first day of the next quarter, Asia/Shanghai
DISTRICT_ROLES = frozenset({"finance_bureau", "supervisor"})
LINES_PAGE = 50
LINES_KEY = keyset.Key("loan", SubsidyLine.loan_id, SubsidyLine.id, parse=int)


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def settle_at(year: int, quarter: int) -> datetime:
    """When the quarter's settlement is drawn up: the next quarter's first day, 09:00 Shanghai."""
    _, end = formulas.quarter_bounds(year, quarter)
    return datetime.combine(end, SETTLE_TIME, clock.BUSINESS_TZ)


def schedule(now: datetime | None = None) -> list[SubsidySettlement]:
    """Schedule every bank's settlement of the quarter running ``now``; compute those now due.

    In the caller's transaction (setup); returns the settlements scheduled by this call (none on a
    second call). Safe when two workers run it at once: a settlement row is inserted only if no
    other transaction has one for the bank and quarter (the unique key decides, ``_insert_row``),
    and its process is started only by the transaction whose insert took; a due settlement is drawn
    up only by the transaction that finds it still scheduled once its row is locked (``_claim``).
    """
    now = now or clock.now()
    with clock.held(now):
        if db.session.scalars(ProcessVersion.latest(PROCESS_KEY)).first() is None:
            log.warning("process %s is not deployed: no subsidy settlement is scheduled", PROCESS_KEY)
            return []
        year, quarter = quarter_of(clock.today())
        known = set(db.session.scalars(sa.select(SubsidySettlement.bank_id).where(
            SubsidySettlement.year == year, SubsidySettlement.quarter == quarter)))
        banks = db.session.scalars(sa.select(Bank).where(Bank.id.not_in(known)).order_by(Bank.id)).all()
        scheduled = [s for s in (_schedule(bank, year, quarter) for bank in banks) if s is not None]
        waiting = db.session.scalars(sa.select(SubsidySettlement).where(SubsidySettlement.status == "scheduled"))
        for settlement in [s for s in waiting if settle_at(s.year, s.quarter) <= now]:
            if _claim(settlement):
                compute_settlement(settlement.year, settlement.quarter, settlement.bank)
        return scheduled


@unit_of_work
def ensure_scheduled(now: datetime | None = None) -> list[SubsidySettlement]:
    """``schedule`` as its own transaction: what every timer sweep calls."""
    return schedule(now)


def _insert_row(bank: Bank, year: int, quarter: int) -> SubsidySettlement | None:
    """The bank's new settlement row for the quarter, or None when another transaction has one.

    ``INSERT … ON CONFLICT DO NOTHING`` on the unique (year, quarter, bank): a concurrent insert
    waits for the other transaction and then inserts nothing, where a plain insert would raise
    ``IntegrityError`` and need a savepoint to go on (and SQLite's driver commits the whole
    transaction when it releases a savepoint opened before any write)."""
    insert = (postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert)(SubsidySettlement)
    inserted = db.session.scalar(
        insert.values(year=year, quarter=quarter, bank_id=bank.id, status="scheduled", created_at=clock.now())
        .on_conflict_do_nothing(index_elements=["year", "quarter", "bank_id"]).returning(SubsidySettlement.id))
    return db.session.get(SubsidySettlement, inserted) if inserted is not None else None


def _claim(settlement: SubsidySettlement) -> bool:
    """Lock the settlement's row; whether it is still scheduled (a concurrent worker drew it up first if not).

    A no-op UPDATE that waits for another transaction holding the row, then matches only if the
    status did not change meanwhile (on SQLite it takes the write lock first, as ``risk_fund.lock_fund``)."""
    return db.session.execute(
        sa.update(SubsidySettlement).where(SubsidySettlement.id == settlement.id,
                                           SubsidySettlement.status == "scheduled")
        .values(status=SubsidySettlement.status).execution_options(synchronize_session=False)
    ).rowcount == 1


def _schedule(bank: Bank, year: int, quarter: int) -> SubsidySettlement | None:
    settlement = _insert_row(bank, year, quarter)
    if settlement is None:
        return None
    data = {"settlement_id": settlement.id, "bank_id": bank.id, "year": year, "quarter": quarter,
            "settle_at": settle_at(year, quarter).isoformat()}
    loaded = instances.start(PROCESS_KEY, None, data, bank_id=bank.id)
    instances.save(loaded)
    instances.settle(loaded, None)
    settlement.process_instance_id = loaded.row.id
    audit.record("subsidy_settlement_scheduled", SYSTEM, bank_id=bank.id, process_instance_id=loaded.row.id,
                 after=data)
    return settlement


def subsidy_loans(bank_id: int, start: date, end: date) -> list[formulas.SubsidyLoan]:
    """The bank's subsidised loans with contract interest paid in ``[start, end)``, as formula inputs."""
    paid_in_quarter = sa.select(Repayment.loan_id).where(
        Repayment.paid_on >= start, Repayment.paid_on < end, Repayment.interest > 0, Repayment.standing())
    loans = db.session.scalars(sa.select(Loan).where(
        Loan.bank_id == bank_id, Loan.subsidised_principal > 0, Loan.disbursed_on.is_not(None),
        Loan.id.in_(paid_in_quarter)).order_by(Loan.id))
    return [formulas.SubsidyLoan(loan.id, str(bank_id), loan.disbursed_on, _principal_events(loan),
                                 loan.subsidised_principal, repayments.interest_paid(loan.id, start, end))
            for loan in loans]


def _principal_events(loan: Loan) -> list[tuple[date, Decimal]]:
    """Outstanding principal from disbursement, lowered on each day principal was repaid."""
    events = [(loan.disbursed_on, loan.approved_amount)]
    for item in db.session.scalars(Repayment.of_loan(loan.id)):
        if item.principal:
            events.append((item.paid_on, events[-1][1] - item.principal))
    return events


def share_for(disbursed_on: date) -> Decimal:
    """The dated ``subsidy_share`` in force on the disbursement day (1 up to 2022, then the policy's)."""
    return policy.setting("subsidy_share", disbursed_on)


def compute_settlement(year: int, quarter: int, bank: Bank) -> SubsidySettlement:
    """Draw up (or again) the bank's per-loan lines for the quarter, in the caller's transaction."""
    start, end = formulas.quarter_bounds(year, quarter)
    statement = formulas.subsidy_due(subsidy_loans(bank.id, start, end), start, end, share_for)
    settlement = db.session.scalars(sa.select(SubsidySettlement).filter_by(
        year=year, quarter=quarter, bank_id=bank.id)).first()
    if settlement is None:
        settlement = SubsidySettlement(year=year, quarter=quarter, bank_id=bank.id)
        db.session.add(settlement)
    settlement.lines.clear()
    db.session.flush()  # the old lines go before the new ones come (unique per settlement and loan)
    settlement.lines = [SubsidyLine(loan_id=line.loan_id, interest_paid=line.interest_paid,
                                    subsidy_base=line.subsidy_base, share=line.share, subsidy=line.subsidy)
                        for line in statement.lines]
    settlement.total, settlement.status, settlement.computed_at = statement.total, "computed", clock.now()
    db.session.flush()
    audit.record("subsidy_settlement_computed", SYSTEM, bank_id=bank.id,
                 process_instance_id=settlement.process_instance_id,
                 after={"settlement_id": settlement.id, "year": year, "quarter": quarter,
                        "lines": len(statement.lines), "total": statement.total})
    return settlement


# --- reading ------------------------------------------------------------------------------------

def _may_read(user: User, settlement: SubsidySettlement | None = None) -> bool:
    if not user.is_active:
        return False
    if user.roles & DISTRICT_ROLES:
        return True
    return bool(user.roles & BANK_ROLES) and (settlement is None or settlement.bank_id == user.bank_id)


def settlements_for(user: User) -> list[SubsidySettlement]:
    """The settlements a user may read: all for the district roles, their bank's for bank staff."""
    if not _may_read(user):
        raise ForbiddenError("subsidy settlements are for the finance bureau, supervisors and the banks")
    query = sa.select(SubsidySettlement).order_by(SubsidySettlement.year.desc(), SubsidySettlement.quarter.desc(),
                                                  SubsidySettlement.bank_id)
    if not user.roles & DISTRICT_ROLES:
        query = query.where(SubsidySettlement.bank_id == user.bank_id)
    return list(db.session.scalars(query))


def open_tasks(settlements: list[SubsidySettlement]) -> dict[int, HumanTask]:
    """The waiting task of each settlement (review, payment or confirmation), by settlement id."""
    by_instance = {s.process_instance_id: s.id for s in settlements if s.process_instance_id}
    if not by_instance:
        return {}
    rows = db.session.scalars(sa.select(HumanTask).where(
        HumanTask.process_instance_id.in_(by_instance), IS_READY))
    return {by_instance[row.process_instance_id]: row for row in rows}


def settlement_for(user: User, settlement_id: int) -> SubsidySettlement:
    """One settlement; another bank's is not found (404), as an unknown id is."""
    settlement = db.session.get(SubsidySettlement, settlement_id)
    if settlement is None or not _may_read(user, settlement):
        raise NotFoundError(f"subsidy settlement {settlement_id}")
    return settlement


def lines_page(settlement: SubsidySettlement, cursor: str | None = None, limit: int | None = None) -> keyset.KeysetPage:
    """One page of the settlement's per-loan lines, by loan (a line per subsidised loan of the bank:
    as many as it has loans), from ``?cursor=`` (``keyset.read_cursor``)."""
    query = sa.select(SubsidyLine).where(SubsidyLine.settlement_id == settlement.id)
    return keyset.page(query, LINES_KEY, keyset.read_cursor(cursor, LINES_KEY), limit or LINES_PAGE, count=False,
                       execute=lambda statement: list(db.session.scalars(statement)),
                       value_of=lambda line: line.loan_id, id_of=lambda line: line.id)


def loan_subsidy_history(loan_id: int) -> list[tuple[SubsidyLine, SubsidySettlement]]:
    """The loan's subsidy lines, newest quarter first, with their settlement (for the loan page)."""
    query = (sa.select(SubsidyLine, SubsidySettlement).join(SubsidySettlement)
             .where(SubsidyLine.loan_id == loan_id)
             .order_by(SubsidySettlement.year.desc(), SubsidySettlement.quarter.desc()))
    return [(line, settlement) for line, settlement in db.session.execute(query)]


# --- task steps (registered in the task pipeline, workflows.tasks.steps) -------------------------

def _settlement(process: dict, status: str) -> SubsidySettlement:
    settlement = db.session.get(SubsidySettlement, process["settlement_id"])
    if settlement.status != status:
        code = "settlement_not_computed" if settlement.status == "scheduled" else "settlement_out_of_step"
        raise PolicyViolationError([code], {"__all__": [code]})
    return settlement


@steps.register(PROCESS_KEY, "review_subsidy_settlement")
def review_settlement(ctx: steps.StepContext) -> None:
    """审核贴息清单: approve the computed lines, or have them recomputed."""
    settlement = _settlement(ctx.task_data, "computed")
    if ctx.data["decision"] == "approve":
        settlement.status = "approved"
    else:
        compute_settlement(settlement.year, settlement.quarter, settlement.bank)


@steps.register(PROCESS_KEY, "record_subsidy_payment")
def record_payment(ctx: steps.StepContext) -> None:
    """拨付贴息资金: the payment to the bank, dated between the quarter's end and today."""
    settlement, data = _settlement(ctx.task_data, "approved"), ctx.data
    _, quarter_end = formulas.quarter_bounds(settlement.year, settlement.quarter)
    if not quarter_end <= data["paid_on"] <= clock.today():
        raise PolicyViolationError(["invalid"], {"paid_on": ["date_out_of_range"]})
    settlement.paid_on, settlement.voucher_number, settlement.status = data["paid_on"], data["voucher_number"], "paid"


@steps.register(PROCESS_KEY, "confirm_subsidy_passed_on")
def confirm_passed_on(ctx: steps.StepContext) -> None:
    """确认贴息到户: the bank confirms it passed the subsidy on to the households."""
    settlement, data = _settlement(ctx.task_data, "paid"), ctx.data
    if not settlement.paid_on <= data["confirmed_on"] <= clock.today():
        raise PolicyViolationError(["invalid"], {"confirmed_on": ["date_out_of_range"]})
    settlement.confirmed_on, settlement.status = data["confirmed_on"], "confirmed"



@facts.register(PROCESS_KEY)
def settlement_facts(row, instance, loan) -> tuple[str, dict]:
    """The settlement panel: its quarter, bank, status and the first page of its lines."""
    data = facts.task_data(row)
    settlement = db.session.get(SubsidySettlement, data["settlement_id"]) if "settlement_id" in data else None
    lines = lines_page(settlement) if settlement is not None else None
    return "finance", {"data": data, "fund": None, "settlement": settlement, "lines": lines}
