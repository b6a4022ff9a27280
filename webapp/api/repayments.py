"""Repayments by API (还款登记接口): record one, read the schedule with what is owed.

``POST /loans/{loan_id}/repayments`` is for bank officers of the loan's bank (404 outside the
caller's scope, 403 inside it for other roles). With an ``Idempotency-Key`` header a retry is safe:
the same key and body answer 200 with the first answer and write nothing; the same key with a
different body is 422 ``idempotency_key_reused`` (two requests with the same key at once: one records,
the other answers the same, 200).

``POST /loans/{loan_id}/repayments/{repayment_id}/reversal`` (冲正) is for bank approvers of the
loan's bank other than the officer who recorded it; ``{"reason": "…"}``. ``GET /loans/{loan_id}/schedule``
gives the schedule as recomputed after prepayments and reversals, each line's part paid, and the
reversed repayments apart.
"""
from __future__ import annotations

import re

from flask import request

from forms import form_from_json
from forms.repayment import RepaymentForm
from models import LOAN_STATUSES, RISK_CLASSES
from models.repayment import SCHEDULE_PARTS, Repayment, RepaymentScheduleLine
from workflows import clock, loan_queries, repayments
from workflows.repayments import REASON_MAX
from workflows.errors import FormInvalidError

from . import openapi
from .base import actor, api_user, bp, validated
from .inputs import json_object
from .openapi_schemas import DAY, MAX_MONEY, MONEY, array, integer, obj, ref, text
from .serialize import day, decimal

KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,64}$")  # visible ASCII, as long as the column


@bp.post("/loans/<int:loan_id>/repayments")
def record_repayment(loan_id: int):
    loan = repayments.loan_for_repayment(api_user(), loan_id)
    key = idempotency_key()
    form = validated(form_from_json(RepaymentForm, json_object("RepaymentInput", required=False)))
    recorded = repayments.record(actor(), loan.id, form.to_data(), key)
    return repayment_answer(recorded.repayment), 201 if recorded.created else 200


@bp.post("/loans/<int:loan_id>/repayments/<int:repayment_id>/reversal")
def reverse_repayment(loan_id: int, repayment_id: int):
    loan = repayments.loan_for_reversal(api_user(), loan_id)
    body = json_object("ReversalInput", required=False)
    repayment = repayments.reverse(actor(), loan.id, repayment_id, {"reason": body.get("reason")})
    return {"repayment": repayment_json(repayment),
            "loan": {"id": loan.id, "status": loan.status, "principal_outstanding": decimal(loan.principal_outstanding),
                     "days_past_due": loan.days_past_due, "risk_class": loan.risk_class}}


@bp.get("/loans/<int:loan_id>/schedule")
def loan_schedule(loan_id: int):
    loan = loan_queries.loan_for(api_user(), loan_id)
    book = repayments.book(loan, clock.today())
    owed = book.owed
    return {
        "loan_id": loan.id, "method": book.lines[0].method if book.lines else None,
        "lines": [{**line_json(line), "principal_paid": decimal(book.paid[line.seq].principal),
                   "interest_paid": decimal(book.paid[line.seq].interest)} for line in book.lines],
        "repayments": [repayment_json(r) for r in book.repayments],
        "reversed_repayments": [repayment_json(r) for r in book.history if r.is_reversed],
        "owed": {"day": day(book.day), "principal": decimal(owed.principal), "interest": decimal(owed.interest),
                 "overdue_principal": decimal(owed.overdue_principal),
                 "overdue_interest": decimal(owed.overdue_interest),
                 "outstanding_principal": decimal(owed.outstanding_principal),
                 "penalty_interest": decimal(book.penalty_interest),
                 "oldest_unpaid_due_on": day(owed.oldest_unpaid_due_on), "days_past_due": owed.days_past_due},
    }


def idempotency_key() -> str | None:
    raw = request.headers.get("Idempotency-Key")
    if raw is None:
        return None
    if not KEY_PATTERN.match(raw):
        raise FormInvalidError({"Idempotency-Key": ["1 to 64 visible ASCII characters"]})
    return raw


def repayment_answer(repayment: Repayment) -> dict:
    """The answer of the first recording, rebuilt exactly for a replay (the loan as it was then)."""
    return {"repayment": repayment_json(repayment),
            "loan": {"id": repayment.loan_id, "status": repayment.loan_status_after,
                     "principal_outstanding": decimal(repayment.principal_outstanding_after)}}


def repayment_json(repayment: Repayment) -> dict:
    reversal = None if not repayment.is_reversed else {
        "reversed_on": day(repayment.reversed_on), "reversed_by_id": repayment.reversed_by_id,
        "reason": repayment.reversal_reason}
    return {"id": repayment.id, "loan_id": repayment.loan_id, "paid_on": day(repayment.paid_on),
            "principal": decimal(repayment.principal), "principal_early": decimal(repayment.principal_early),
            "interest": decimal(repayment.interest), "penalty_interest": decimal(repayment.penalty_interest),
            "reversal": reversal}


def line_json(line: RepaymentScheduleLine) -> dict:
    return {"seq": line.seq, "due_on": day(line.due_on), "principal": decimal(line.principal),
            "interest": decimal(line.interest), "period_start": day(line.period_start),
            "period_end": day(line.period_end), "part": line.part}


AMOUNT = {"oneOf": [text(pattern=r"^[0-9]{1,12}(\.[0-9]{1,2})?$"),
                    {"type": "number", "minimum": 0, "maximum": MAX_MONEY}],
          "example": "162.50", "description": "yuan, at most two decimals; a string keeps the fen exact"}
REQUIRED_MONEY = {key: value for key, value in MONEY.items() if key != "nullable"}
openapi.EXTRA_SCHEMAS.update({
    "RepaymentInput": obj(["paid_on", "principal", "interest"], paid_on=text(format="date"),
                          principal=AMOUNT, interest=AMOUNT),
    "Repayment": obj(["id", "loan_id", "paid_on", "principal", "interest", "penalty_interest"], id=integer(),
                     loan_id=integer(), paid_on=DAY, principal=REQUIRED_MONEY, interest=REQUIRED_MONEY,
                     penalty_interest={**REQUIRED_MONEY, "description": "罚息 for late days, charged with "
                                       "this repayment; never subsidised"},
                     principal_early={**REQUIRED_MONEY, "description": "提前还本: the part of the principal beyond "
                                      "what was due, taken off the principal still to fall due"},
                     reversal={**obj(["reversed_on", "reversed_by_id", "reason"], reversed_on=DAY,
                                     reversed_by_id=integer(True), reason=text()),
                               "nullable": True, "description": "冲正: set once the repayment is reversed"}),
    "ReversalInput": obj(reason=text(maxLength=REASON_MAX, description="why (required: missing or blank is 422 "
                                     "`reversal_reason_missing`)")),
    "RepaymentReversed": obj(["repayment", "loan"], repayment=ref("Repayment"), loan=obj(
        ["id", "status", "principal_outstanding", "days_past_due", "risk_class"], id=integer(),
        status=text(enum=list(LOAN_STATUSES)), principal_outstanding=REQUIRED_MONEY, days_past_due=integer(),
        risk_class=text(enum=list(RISK_CLASSES)))),
    "RepaymentRecorded": obj(["repayment", "loan"], repayment=ref("Repayment"), loan=obj(
        ["id", "status", "principal_outstanding"], id=integer(), status=text(enum=list(LOAN_STATUSES)),
        principal_outstanding=REQUIRED_MONEY)),
    "ScheduleLine": obj(["seq", "due_on", "principal", "interest", "period_start", "period_end", "part"],
                        seq=integer(), due_on=DAY, principal=REQUIRED_MONEY, interest=REQUIRED_MONEY,
                        period_start=DAY, period_end=DAY, part=text(enum=list(SCHEDULE_PARTS)),
                        principal_paid=REQUIRED_MONEY, interest_paid=REQUIRED_MONEY),
    "Schedule": obj(["loan_id", "lines", "repayments", "owed"], loan_id=integer(), method=text(True),
                    lines=array(ref("ScheduleLine")), repayments=array(ref("Repayment")),
                    reversed_repayments=array(ref("Repayment")), owed=obj(
        ["day", "principal", "interest", "outstanding_principal", "penalty_interest", "days_past_due"],
        day=DAY, principal=MONEY, interest=MONEY, overdue_principal=MONEY, overdue_interest=MONEY,
        outstanding_principal=MONEY, penalty_interest=MONEY, oldest_unpaid_due_on=DAY,
        days_past_due=integer())),
})
openapi.EXTRA_TAGS.append("repayments")
REVERSAL_REFUSALS = (
    "403 `reversal_not_approver` (not a bank approver of the loan's bank), `reversal_four_eyes` (the caller "
    "recorded it); 404 no such repayment of this loan; 422 `reversal_reason_missing`, `repayment_already_reversed`, "
    "`reversal_not_latest` (only the latest standing repayment), `reversal_loan_closed` (it settled and closed "
    "the loan), `reversal_subsidy_settled` (its quarter's subsidy is computed or paid), "
    "`reversal_schedule_changed` (extended since)."
)
KEY_HEADER = {"name": "Idempotency-Key", "in": "header", "required": False,
              "schema": text(pattern=KEY_PATTERN.pattern, maxLength=64),
              "description": "makes a retry safe: the same key and body answer 200 with the first answer"}


@openapi.add_paths
def _paths() -> dict:
    loan_id = openapi.path_id("loan_id")
    return {
        "/loans/{loan_id}/repayments": {"post": openapi.op(
            "record_repayment", "Record a repayment (bank officer of the loan's bank); more than the loan "
            "owes is 422 `overpayment` naming the part", {
                **openapi.answer("201", "recorded", "RepaymentRecorded"),
                **openapi.answer("200", "a replay of the same Idempotency-Key: the first answer, nothing written",
                                 "RepaymentRecorded")},
            403, 404, 409, 422, body="RepaymentInput", params=[loan_id, KEY_HEADER], tag="repayments")},
        "/loans/{loan_id}/repayments/{repayment_id}/reversal": {"post": openapi.op(
            "reverse_repayment", "Reverse a repayment (冲正): a bank approver of the loan's bank, not the officer "
            "who recorded it, with a reason", openapi.answer("200", "reversed: the book is restored", "RepaymentReversed"),
            403, 404, 409, 422, body="ReversalInput", params=[loan_id, openapi.path_id("repayment_id")],
            tag="repayments", description=REVERSAL_REFUSALS)},
        "/loans/{loan_id}/schedule": {"get": openapi.op(
            "loan_schedule", "The loan's repayment schedule, its repayments and what it owes today",
            openapi.answer("200", "the schedule", "Schedule"), 404, params=[loan_id], tag="repayments")},
    }

