"""The history of each lent loan's figures (贷款历史) and the "as of" view every balance report reads.

``loan_history`` (``models.loan_history``) holds a row per loan per change of its balance, days past
due, risk class, covered principal outstanding or status, valid from a business date until the next
row's (``valid_until``, exclusive; empty for the loan's current row). The rows of a loan tile time
without gaps or overlaps, so the row valid on a day is a condition on the row itself
(``valid_from <= day < valid_until``, ``valid_on``): a report as of a past day reads the table once,
where finding each loan's latest ``valid_from`` with a ``GROUP BY`` over every row took 2–5 s at a
million loans. The rows are written set-based, in SQL, in the transaction that changed the loan:

* ``record_changes(loan_ids, day)`` compares each lent loan (``disbursed_on`` set) with its row as of
  ``day`` and writes at most four statements whatever the number of loans: an UPDATE of the row
  already written on ``day`` (several changes on one day keep the last), an INSERT … SELECT of a row
  for each loan that differs from its row as of ``day`` or has none, a DELETE of the row on ``day``
  when the day ended where it began (equal to the row before it), and, when a row was inserted or
  deleted, one UPDATE of ``valid_until`` around ``day`` (the row before a new one ends on ``day``;
  the row before a deleted one holds again, as the deleted one would have).
* Every transaction that changed a loan through the ORM (disbursement, repayment and reversal,
  extension, recovery, write-off, closing, renewal, import, a timer's status) writes the history of
  those loans when it commits: ``after_flush`` notes the loans whose tracked columns changed,
  ``before_commit`` calls ``record_changes`` for them (once, set-based); a loan disbursed in the
  transaction has no row to compare with, so ``record_first`` writes its first (current) row with one
  INSERT. The daily recompute (``overdue.recompute``) updates loans in SQL, not through the ORM, and
  calls ``record_changes`` itself; with every loan (``loan_ids=None``) it also catches up whatever
  changed outside both.

``valid_from`` is the business date the change was made (``clock.today()``), not the date a
repayment says it was paid on: a report "as of" a past day shows what the books said that day, so a
month-end report asked next month gives the month-end figures even after a late-recorded repayment.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, aliased

from models import IS_OUTSTANDING, OUTSTANDING_STATUSES, Loan, LoanHistory, db
from models.repayment import Repayment

from . import clock

# the loan columns the history follows (and those its covered principal is computed from)
TRACKED = ("principal_outstanding", "days_past_due", "risk_class", "covered_principal", "status",
           "approved_amount", "disbursed_on")
PENDING = "loan_history_pending"  # Session.info key: ids of loans changed since the last commit
FIRST = "loan_history_first"  # Session.info key: ids of those disbursed in this transaction


def covered_outstanding(balance=Loan.principal_outstanding):
    """SQL of ``risk_fund.covered_outstanding``: covered principal × ``balance`` (principal outstanding)
    / approved amount, rounded half up to the fen (0 without an approved amount), in yuan."""
    return covered_outstanding_fen(balance) / sa.literal_column("100.0")


def covered_outstanding_fen(balance=Loan.principal_outstanding) -> sa.ColumnElement:
    """The same in whole fen, rounded half up in integers (``(2·c·o + a) // (2·a)``), so that SQLite,
    whose ``round()`` works on binary floats and misses some exact half fen (132.35 × 9,132.46 /
    91,324.60 = 13.235 gives 13.23 there), agrees with ``round_fen`` as PostgreSQL does. ``2·c·o``
    stays inside 64 bits (below 9.2 × 10¹⁸ fen²; a 50,000-yuan cover on a billion-yuan loan is 10¹⁸)."""
    covered, outstanding, approved = _fen(Loan.covered_principal), _fen(balance), _fen(Loan.approved_amount)
    share = (2 * covered * outstanding + approved) // (2 * approved)
    return sa.case((Loan.approved_amount > 0, share), else_=0)


def _fen(money) -> sa.ColumnElement:
    """A money value as a whole number of fen (exact: it holds two decimals; on SQLite, a REAL within
    far less than half a fen of them)."""
    return sa.cast(sa.func.round(money * sa.literal_column("100")), sa.BigInteger)


def _figures() -> dict[str, sa.ColumnElement]:
    """The history columns as computed from ``loans`` now."""
    return {"balance": Loan.principal_outstanding, "days_past_due": Loan.days_past_due,
            "risk_class": Loan.risk_class, "covered_principal": covered_outstanding(), "status": Loan.status}


def _differs(row) -> sa.ColumnElement[bool]:
    return sa.or_(*(getattr(row, name) != value for name, value in _figures().items()))


def _same(row, other) -> sa.ColumnElement[bool]:
    return sa.and_(*(getattr(row, name) == getattr(other, name) for name in _figures()))


def valid_on(day: date, loan_ids: Iterable[int] | None = None):
    """``(row, condition)``: an alias of ``loan_history`` and the condition joining each loan's row
    valid on ``day`` (``valid_from <= day < valid_until``, or current) to the enclosing query's
    ``Loan``. For an outer join from ``loans`` (loans lent after ``day`` keep their place with no row).

    A condition on the row itself, no ``GROUP BY``: over every loan the table is read once (a report as
    of a past day); narrowed to ``loan_ids`` when given, a commit's few loans seek only theirs through
    the ``(loan_id, valid_from)`` index."""
    row = aliased(LoanHistory, name="then")
    ids = [] if loan_ids is None else [row.loan_id.in_(sorted(set(loan_ids)))]
    holds = sa.and_(row.valid_from <= day, sa.or_(row.valid_until.is_(None), row.valid_until > day))
    return row, sa.and_(row.loan_id == Loan.id, holds, *ids)


def figures_on(day: date) -> tuple[object, Callable[..., sa.Select]]:
    """What a report reads of each lent loan as of ``day``: ``(then, attach)``, where ``then`` has the
    figures (``balance``, ``days_past_due``, ``risk_class``, ``covered_principal``, ``status``) and
    ``attach(query, outer=False)`` brings them into a query over ``Loan`` (an inner attach keeps only
    loans lent by ``day``). From the history (``valid_on``) for a past day; when every loan's row as of
    ``day`` is its latest (``is_current``), the loans' own columns, which the commit hook keeps equal to
    it, with no join at all. At a million loans a balance report "as of" today went from 2.3 s through
    the history to about 0.3 s (bench/province.py)."""
    if is_current(day):
        figures = {**_figures(), "township_id": Loan.township_id, "bank_id": Loan.bank_id, "loan_id": Loan.id}
        return SimpleNamespace(**figures), _lent_now
    then, valid = valid_on(day)

    def attach(query: sa.Select, outer: bool = False) -> sa.Select:
        return query.outerjoin(then, valid) if outer else query.join(then, valid)
    return then, attach


def outstanding(then) -> sa.ColumnElement[bool]:
    """``then`` (of ``figures_on``) in an outstanding status; over the loans' own columns the literal
    predicate of ``ix_loans_borrowing`` (``models.IS_OUTSTANDING``), which a bound value would hide."""
    return IS_OUTSTANDING if then.status is Loan.status else then.status.in_(OUTSTANDING_STATUSES)


def _lent_now(query: sa.Select, outer: bool = False) -> sa.Select:
    return query if outer else query.where(Loan.disbursed_on.is_not(None))


def is_current(day: date) -> bool:
    """Whether ``day`` is today or later and no history row starts after it (a business clock set back
    in a demo can leave later rows): then each lent loan's row valid on ``day`` is its latest, which
    the commit hook keeps equal to the loan's own columns."""
    if day < clock.today():
        return False
    latest = db.session.scalar(sa.select(sa.func.max(LoanHistory.valid_from)))
    return latest is None or latest <= day


def as_of(day: date, loan_ids: Iterable[int] | None = None) -> sa.Subquery:
    """Each loan's history row valid on ``day`` (``valid_on``); loans lent after ``day`` have none.
    Columns as ``loan_history``'s."""
    ids = None if loan_ids is None else list(loan_ids)
    row, valid = valid_on(day, ids)
    query = sa.select(row).join(Loan, valid)
    if ids is not None:
        query = query.where(Loan.id.in_(ids))
    return query.subquery("as_of")


def record_changes(loan_ids: Iterable[int] | None = None, day: date | None = None,
                   session: Session | None = None) -> int:
    """Write the history rows of the lent loans (or of ``loan_ids``) whose figures differ from their
    row as of ``day`` (default today), in the caller's transaction; returns the rows inserted.

    At most four statements, whatever the number of loans (see the module docstring)."""
    session = session or db.session
    day = day or clock.today()
    ids = None if loan_ids is None else sorted(set(loan_ids))
    if ids == []:
        return 0
    session.flush()
    only = (lambda column: [column.in_(ids)]) if ids is not None else (lambda column: [])
    figures = _figures()

    today = LoanHistory
    session.execute(sa.update(today).where(today.loan_id == Loan.id, today.valid_from == day, _differs(today),
                                           *only(Loan.id))
                    .values(**figures).execution_options(synchronize_session=False))

    row, valid = valid_on(day, ids)
    on_day = aliased(LoanHistory, name="on_day")  # a loan's row on day is updated above, never doubled, even
    written = sa.exists().where(on_day.loan_id == Loan.id, on_day.valid_from == day)  # if an older one has no end
    changed = (sa.select(Loan.id, sa.literal(day, sa.Date), *figures.values(), Loan.township_id, Loan.bank_id)
               .outerjoin(row, valid)
               .where(Loan.disbursed_on.is_not(None), *only(Loan.id),
                      sa.or_(row.loan_id.is_(None), sa.and_(row.valid_from < day, _differs(row), ~written))))
    columns = ["loan_id", "valid_from", *figures, "township_id", "bank_id"]
    inserted = _insert_history(session, columns, changed)

    before = aliased(LoanHistory, name="before")  # the loan's row ending where the day's begins
    deleted = session.scalars(sa.delete(today).where(
        today.valid_from == day, *only(today.loan_id),
        sa.exists().where(before.loan_id == today.loan_id, before.valid_until == day, _same(before, today)))
        .returning(today.loan_id).execution_options(synchronize_session=False)).all()
    if inserted or deleted:
        _mend_validity(session, day, ids, deleted)
    return inserted


def _insert_history(session: Session, columns: list[str], rows: sa.Select) -> int:
    """One INSERT … SELECT of history rows; how many went in (``preserve_rowcount``: else -1 on PostgreSQL)."""
    inserted = session.execute(sa.insert(LoanHistory).from_select(columns, rows)
                               .execution_options(preserve_rowcount=True)).rowcount
    return max(inserted or 0, 0)


def _mend_validity(session: Session, day: date, ids: list[int] | None, deleted: list[int]) -> None:
    """Give the rows around ``day`` of the loans with a row on ``day`` (or whose row on it was just
    deleted) the end of validity the tiling says, the next row's ``valid_from``: the row before a new
    one ends on ``day``, the row before a deleted one holds again until the next one (or stays current),
    and a new row ends where a later one begins (a business clock set back in a demo). One UPDATE,
    found from the rows on ``day`` (``ix_loan_history_valid_from``), writing only rows whose end moves."""
    row, later, on_day = LoanHistory, aliased(LoanHistory, name="later"), aliased(LoanHistory, name="on_day")
    next_from = (sa.select(sa.func.min(later.valid_from))
                 .where(later.loan_id == row.loan_id, later.valid_from > row.valid_from).scalar_subquery())
    loans = on_day.valid_from == day  # one IN (…) for both kinds, so the rows on day can drive the UPDATE
    if deleted:
        loans = sa.or_(loans, on_day.loan_id.in_(sorted(set(deleted))))
    only = [] if ids is None else [row.loan_id.in_(ids)]
    session.execute(sa.update(row).where(
        row.valid_from <= day, sa.or_(row.valid_until.is_(None), row.valid_until >= day),
        row.loan_id.in_(sa.select(on_day.loan_id).where(loans)), *only, row.valid_until.is_distinct_from(next_from))
        .values(valid_until=next_from).execution_options(synchronize_session=False))


def record_opening(loan_ids: Iterable[int], before: date) -> int:
    """The history of imported loans before ``before`` (the import day), from their opening book: a row
    valid from the disbursement (the approved amount outstanding) and one from each day standing
    repayments paid principal (the amount less the principal paid by then), active, not late (what the
    book cannot say of those days is not guessed), each ending where the next begins, the last current.
    One INSERT … SELECT; the import day's row (today's figures) follows at commit and ends the last
    one. Returns the rows inserted."""
    ids = sorted(set(loan_ids))
    if not ids:
        return 0
    db.session.flush()
    paid = sa.func.sum(Repayment.principal)
    daily = (sa.select(Repayment.loan_id, Repayment.paid_on.label("day"), paid.label("paid"))
             .join(Loan, Loan.id == Repayment.loan_id)
             .where(Repayment.loan_id.in_(ids), Repayment.standing(), Repayment.paid_on > Loan.disbursed_on,
                    Repayment.paid_on < before)
             .group_by(Repayment.loan_id, Repayment.paid_on).having(paid > 0)
             .subquery("daily"))
    running = sa.select(daily.c.loan_id, daily.c.day, sa.func.sum(daily.c.paid).over(
        partition_by=daily.c.loan_id, order_by=daily.c.day).label("paid"))
    start = sa.select(Loan.id.label("loan_id"), Loan.disbursed_on.label("day"), sa.literal(0).label("paid")) \
        .where(Loan.id.in_(ids), Loan.disbursed_on < before)
    points = sa.union_all(start, running).subquery("points")
    balance = Loan.approved_amount - points.c.paid
    until = sa.func.lead(points.c.day).over(partition_by=points.c.loan_id, order_by=points.c.day)
    rows = (sa.select(Loan.id, points.c.day, until, balance, sa.literal(0), sa.literal("normal"),
                      covered_outstanding(balance), sa.literal("active"), Loan.township_id, Loan.bank_id)
            .join(points, points.c.loan_id == Loan.id))
    columns = ["loan_id", "valid_from", "valid_until", "balance", "days_past_due", "risk_class", "covered_principal",
               "status", "township_id", "bank_id"]
    return _insert_history(db.session, columns, rows)


# -- the transaction hook: loans changed through the ORM write their history when the transaction commits


def _tracked_change(session: Session, loan: Loan) -> bool:
    if loan in session.new:
        return True
    state = sa.inspect(loan)
    return any(state.attrs[name].history.has_changes() for name in TRACKED)


def _just_lent(session: Session, loan: Loan) -> bool:
    """Disbursed in this transaction (its ``disbursed_on`` went from empty to a day): it has no history
    row yet, so its first row needs no comparison (an imported loan, new here, goes the general way)."""
    if loan in session.new:
        return False
    changed = sa.inspect(loan).attrs["disbursed_on"].history
    return bool(changed.added) and list(changed.deleted) == [None]


@event.listens_for(db.session, "after_flush")
def _note_changed_loans(session: Session, _flush_context) -> None:
    for item in (*session.new, *session.dirty):  # only lent loans have a history
        if isinstance(item, Loan) and item.id is not None and item.disbursed_on is not None \
                and _tracked_change(session, item):
            session.info.setdefault(PENDING, set()).add(item.id)
            if _just_lent(session, item):
                session.info.setdefault(FIRST, set()).add(item.id)


@event.listens_for(db.session, "before_commit")
def _record_noted_loans(session: Session) -> None:
    """Ids noted by a transaction rolled back stay noted: harmless, their loans then equal their rows."""
    session.flush()
    ids, first = session.info.pop(PENDING, set()), session.info.pop(FIRST, set())
    if first:
        record_first(first, session=session)
    if ids - first:
        record_changes(ids - first, session=session)


def record_first(loan_ids: Iterable[int], day: date | None = None, session: Session | None = None) -> int:
    """The first history row of loans disbursed in this transaction: one INSERT … SELECT, no comparison;
    the row is current (no ``valid_until``), there being none before or after it."""
    session = session or db.session
    day = day or clock.today()
    figures = _figures()
    rows = sa.select(Loan.id, sa.literal(day, sa.Date), *figures.values(), Loan.township_id, Loan.bank_id) \
        .where(Loan.id.in_(sorted(set(loan_ids))))
    columns = ["loan_id", "valid_from", *figures, "township_id", "bank_id"]
    return _insert_history(session, columns, rows)
