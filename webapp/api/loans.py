"""Loans: register an application (township clerk), search, read one loan and its audit trail.

A loan outside the caller's scope answers 404 (``loan_queries.loan_for``), as if it did not exist.
"""
from __future__ import annotations

from flask import request

from forms import RegisterApplicationForm, form_from_json
from models import Loan
from workflows import households, loan_queries, loans
from workflows.errors import ForbiddenError

from . import serialize
from .base import actor, api_user, bp, validated
from .inputs import json_object


@bp.get("/loans")
def list_loans():
    page = loan_queries.search_loans(api_user(), loan_queries.LoanFilters.from_args(request.args))
    return {"items": [serialize.loan_summary(loan) for loan in page.items], "total": page.total,
            "total_capped": page.total_capped, "next_cursor": page.next_cursor, "page": page.page,
            "per_page": page.per_page}


@bp.post("/loans")
def register_loan():
    if "township_clerk" not in api_user().roles:
        raise ForbiddenError("only township clerks register applications")
    form = validated(form_from_json(RegisterApplicationForm, json_object("LoanApplication")))
    loan = loans.register_application(actor(), form.to_data())
    return {"loan": loan_json(loan)}, 201


@bp.get("/loans/<int:loan_id>")
def get_loan(loan_id: int):
    return loan_json(loan_queries.loan_for(api_user(), loan_id))


@bp.get("/loans/<int:loan_id>/events")
def loan_events(loan_id: int):
    user = api_user()
    loan = loan_queries.loan_for(user, loan_id)
    reveal = households.may_see_id_number(user, loan.household, loan)
    return {"items": [serialize.event_json(e, reveal) for e in loan_queries.loan_timeline(loan.id)]}


def loan_json(loan: Loan) -> dict:
    return serialize.loan_detail(loan, api_user(), serialize.process_json(loan.id),
                                 loan_queries.open_tasks(loan.id))
