"""The risk-compensation fund (风险补偿金): ledger, covered balance, the 1:10 check and compensation.

* **Ledger.** Money in (deposit, top-up, interest) and out (compensation) are lines of
  ``risk_fund_entries``; the balance is their sum, never stored. Every line is written with its
  audit event ``risk_fund_<kind>`` (``after.entry_id`` names the line).
* **Covered balance** (纳入风险补偿的贷款余额). ``loans.covered_principal`` is the part of a loan's
  approved amount under the per-household cap (fixed at disbursement). A partly repaid loan
  counts ``covered_principal × principal_outstanding / approved_amount`` (rounded to the fen):
  repayments reduce the covered and the uncovered part in proportion, so a household's
  additional loan above the cap never becomes covered as the first loan is repaid. Only loans
  in an outstanding status count (active, extended, overdue, recovering).
* **Ratio.** When covered balance > ``risk_fund_ratio`` × fund balance (dated setting, 10),
  ``check_ratio`` starts ``risk_fund_topup`` unless a top-up is already waiting to be recorded.
* **Compensation.** ``compensation_share`` (0.80) × the covered principal lost, at most the
  fund balance (``money.risk_fund.compensation``); once per loan.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from models import IS_READY, OUTSTANDING_STATUSES, HumanTask, Loan, ProcessVersion, db
from models.risk_fund import ENTRY_KINDS, RiskFund, RiskFundEntry

from . import audit, clock, instances, keyset, loan_history, policy
from .audit import Actor
from .errors import ForbiddenError, PolicyViolationError, ProcessError
from .money import risk_fund as formulas
from .money.interest import round_fen
from .tasks import facts, steps
from .unit_of_work import unit_of_work

log = logging.getLogger(__name__)
FUND_CODE = "district"
PROCESS_KEY = "risk_fund_topup"
PAGE_KINDS = ("deposit", "interest")  # what the fund page records; top-ups come from their task
ZERO = Decimal("0.00")
LEDGER_PAGE = 50
LEDGER_KEY = keyset.Key("date", RiskFundEntry.occurred_on, RiskFundEntry.id, descending=True, parse=keyset.parse_date)


def ensure_fund() -> RiskFund:
    """The district's fund, created on first use (setup; in the caller's transaction)."""
    fund = db.session.scalars(sa.select(RiskFund).where(RiskFund.code == FUND_CODE)).first()
    if fund is None:
        fund = RiskFund(code=FUND_CODE, name="开州区脱贫人口小额信贷风险补偿金")
        db.session.add(fund)
        db.session.flush()
    return fund


def get_fund(fund_id: int | None = None) -> RiskFund | None:
    if fund_id is not None:
        return db.session.get(RiskFund, fund_id)
    return db.session.scalars(sa.select(RiskFund).where(RiskFund.code == FUND_CODE)).first()


def fund_balance(fund_id: int | None = None, through: RiskFundEntry | None = None) -> Decimal:
    """The sum of the fund's ledger lines (compensation negative); with ``through``, of the lines up to
    and including it in ledger order (date, then id): the balance after that line."""
    fund = get_fund(fund_id)
    if fund is None:
        return ZERO
    query = sa.select(sa.func.coalesce(sa.func.sum(RiskFundEntry.signed_amount()), 0)).where(
        RiskFundEntry.fund_id == fund.id)
    if through is not None:
        query = query.where(sa.tuple_(RiskFundEntry.occurred_on, RiskFundEntry.id) <= sa.tuple_(
            sa.literal(through.occurred_on, RiskFundEntry.occurred_on.type), sa.literal(through.id, RiskFundEntry.id.type)))
    return round_fen(Decimal(str(db.session.scalar(query))))


def covered_outstanding(loan: Loan) -> Decimal:
    """The loan's covered principal still outstanding (see the module docstring)."""
    if not loan.approved_amount or not loan.covered_principal:
        return ZERO
    return round_fen(loan.covered_principal * loan.principal_outstanding / loan.approved_amount)


def covered_balance() -> Decimal:
    """Σ covered principal outstanding over the loans in an outstanding status: one SQL aggregate
    (each loan rounded to the fen, as ``covered_outstanding``, then summed), whatever the number of loans."""
    fen = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(loan_history.covered_outstanding_fen()), 0))
                            .where(Loan.status.in_(OUTSTANDING_STATUSES), Loan.covered_principal > 0))
    return round_fen(Decimal(int(fen)).scaleb(-2))


@dataclass(frozen=True)
class FundPosition:
    """The fund against the covered balance on a day (for the page and the ratio check)."""

    balance: Decimal
    covered: Decimal
    ratio: Decimal
    needs_topup: bool
    topup: Decimal

    @property
    def required(self) -> Decimal:
        return round_fen(self.covered / self.ratio)


def position(day: date | None = None) -> FundPosition:
    day = day or clock.today()
    balance, covered = fund_balance(), covered_balance()
    ratio = policy.setting("risk_fund_ratio", day)
    return FundPosition(balance, covered, ratio, formulas.needs_topup(covered, balance, ratio),
                        formulas.topup_amount(covered, balance, ratio))


def add_entry(actor: Actor, kind: str, amount: Decimal, occurred_on: date, comment: str | None = None, *,
              loan: Loan | None = None, voucher_number: str | None = None,
              process_instance_id: int | None = None) -> RiskFundEntry:
    """One ledger line and its audit event, in the caller's transaction."""
    fund = get_fund()
    if fund is None:
        raise ProcessError("the risk fund is not set up (run setup: workflows.risk_fund.ensure_fund)")
    if kind not in ENTRY_KINDS or amount <= 0:
        raise PolicyViolationError(["invalid"], {"amount": ["positive_amount"]})
    entry = RiskFundEntry(fund_id=fund.id, kind=kind, amount=amount, occurred_on=occurred_on, comment=comment,
                          loan_id=loan.id if loan else None, voucher_number=voucher_number,
                          recorded_by_id=actor.user_id, process_instance_id=process_instance_id,
                          created_at=clock.now())
    db.session.add(entry)
    db.session.flush()
    audit.record(f"risk_fund_{kind}", actor, loan=loan, process_instance_id=process_instance_id,
                 after={"entry_id": entry.id, "kind": kind, "amount": entry.amount, "occurred_on": occurred_on,
                        "voucher_number": voucher_number, "balance_after": fund_balance(fund.id)},
                 comment=comment)
    return entry


@unit_of_work
def record_entry(actor: Actor, kind: str, amount: Decimal, occurred_on: date, comment: str | None = None,
                 loan: Loan | None = None, voucher_number: str | None = None) -> RiskFundEntry:
    """A deposit or interest line entered by the finance bureau on the fund page (one transaction)."""
    if actor.user is None or not actor.user.has_role("finance_bureau"):
        raise ForbiddenError("only the finance bureau keeps the fund's ledger")
    if kind not in PAGE_KINDS:
        raise PolicyViolationError(["invalid"], {"kind": ["unknown_kind"]})
    actor = Actor(actor.user, "finance_bureau", actor.ip_address)
    return add_entry(actor, kind, amount, occurred_on, comment, loan=loan, voucher_number=voucher_number)


def ledger(cursor: str | None = None, limit: int | None = None) -> keyset.KeysetPage:
    """One page of the fund's lines, newest first (by date, then id), each with the balance after it:
    ``KeysetPage`` of ``(entry, balance)``, its cursors from ``?cursor=`` (``keyset.read_cursor``).

    The balance after the page's newest line is one SQL sum of the lines up to it; the lines below
    it step back from there, so a page costs the same however long the ledger."""
    fund = get_fund()
    if fund is None:
        return keyset.KeysetPage()
    query = sa.select(RiskFundEntry).where(RiskFundEntry.fund_id == fund.id)
    found = keyset.page(query, LEDGER_KEY, keyset.read_cursor(cursor, LEDGER_KEY), limit or LEDGER_PAGE, count=False,
                        execute=lambda statement: list(db.session.scalars(statement)),
                        value_of=lambda entry: entry.occurred_on, id_of=lambda entry: entry.id)
    if not found.items:
        return found
    running, rows = fund_balance(fund.id, through=found.items[0]), []
    for entry in found.items:
        rows.append((entry, running))
        running -= entry.signed
    found.items = rows
    return found


def pay_compensation(actor: Actor, loan: Loan) -> Decimal:
    """代偿: pay the fund's share of the loan's covered principal lost, at most the balance.

    In the caller's transaction (the ``claim_compensation`` step); a second claim for the same
    loan is refused with ``already_compensated``. Returns the amount paid (0 if the fund is empty).
    """
    paid = db.session.scalar(sa.select(sa.func.count()).select_from(RiskFundEntry).where(
        RiskFundEntry.loan_id == loan.id, RiskFundEntry.kind == "compensation"))
    if paid:
        raise PolicyViolationError(["already_compensated"], {"__all__": ["already_compensated"]})
    day, lost = clock.today(), covered_outstanding(loan)
    amount = formulas.compensation(lost, policy.setting("compensation_share", day), fund_balance())
    if amount > 0:
        add_entry(actor, "compensation", amount, day, f"covered principal lost {lost}", loan=loan)
    else:
        audit.record("risk_fund_compensation_unpaid", actor, loan=loan,
                     after={"covered_principal_lost": lost, "fund_balance": fund_balance()})
    return amount


def open_topup() -> HumanTask | None:
    """The top-up waiting to be recorded, if any."""
    return db.session.scalars(sa.select(HumanTask).where(
        HumanTask.name == "record_topup", IS_READY).order_by(HumanTask.id)).first()


@unit_of_work
def check_ratio(now: datetime | None = None):
    """Start ``risk_fund_topup`` when the ratio is exceeded and no top-up is open (one transaction).

    Returns the new instance row, or None. Called by every timer sweep: a second call while the
    first top-up is still open starts nothing, and neither does a concurrent one (another worker's
    sweep): the fund's row is locked before the open top-up is looked for (``lock_fund``).
    """
    now = now or clock.now()
    with clock.held(now):
        fund = get_fund()
        if fund is None:
            return None
        lock_fund(fund)
        if open_topup() is not None or not _deployed():
            return None
        try:
            pos = position(clock.today())
        except policy.MissingPolicyDataError:
            log.warning("setting risk_fund_ratio is missing: the fund ratio is not checked")
            return None
        if not pos.needs_topup:
            return None
        days = int(policy.setting("topup_due_days", clock.today()))
        due = clock.local(now + timedelta(days=days))
        data = {"fund_id": get_fund().id, "covered_balance": pos.covered, "fund_balance": pos.balance,
                "ratio": pos.ratio, "topup_amount": pos.topup, "topup_due_days": days,
                "topup_due_at": due.isoformat()}
        loaded = instances.start(PROCESS_KEY, None, data)
        instances.save(loaded)
        for row in instances.settle(loaded, None):
            row.due_at = due
        audit.record("risk_fund_topup_started", process_instance_id=loaded.row.id, after=data)
        return loaded.row


def lock_fund(fund: RiskFund) -> None:
    """Hold the fund's row until the transaction ends: a concurrent ratio check waits here, then sees
    the top-up the first one started.

    A no-op UPDATE: on PostgreSQL it locks the row as ``SELECT … FOR UPDATE`` does; on SQLite, whose
    reads outside a write take no lock, it takes the database's write lock before anything is read
    (``audit`` locks the chain head the same way)."""
    db.session.execute(sa.update(RiskFund).where(RiskFund.id == fund.id).values(name=RiskFund.name)
                       .execution_options(synchronize_session=False))


def _deployed() -> bool:
    if db.session.scalars(ProcessVersion.latest(PROCESS_KEY)).first() is None:
        log.warning("process %s is not deployed: the fund ratio is not checked", PROCESS_KEY)
        return False
    return True


# --- task steps (registered in the task pipeline, workflows.tasks.steps) -------------------------

@steps.register(PROCESS_KEY, "record_topup")
def record_topup(ctx: steps.StepContext) -> None:
    """补充风险补偿金: the top-up becomes a ledger line of the fund."""
    data = ctx.data
    add_entry(ctx.actor, "topup", data["amount"], data["topped_up_on"], data.get("comment"),
              voucher_number=data.get("voucher_number"), process_instance_id=ctx.instance.id)


@facts.register(PROCESS_KEY)
def topup_facts(row, instance, loan) -> tuple[str, dict]:
    """The fund panel: the position when the top-up was asked for, and now."""
    try:
        now = position()
    except policy.MissingPolicyDataError:
        now = None
    return "finance", {"data": facts.task_data(row), "fund": now, "settlement": None}
