"""Withdraw an application (撤回, township clerk): ``POST /loans/{loan_id}/withdrawal`` with a reason.

The bank officer's decline (不予受理) needs no endpoint of its own: it is the investigation task completed
with ``investigation_decision: "decline"`` and a ``decline_reason`` (``POST /tasks/{task_id}/complete``).
"""
from __future__ import annotations

from workflows import loan_queries, registration
from workflows.permissions import in_scope

from .base import actor, api_user, bp
from .inputs import json_object
from .loans import loan_json
from .openapi import EXTRA_SCHEMAS, add_paths, op, path_id, wrapped
from .openapi_schemas import obj, text

EXTRA_SCHEMAS.update({
    "Withdrawal": obj(["reason"], reason=text(minLength=1, maxLength=registration.MAX_REASON_LENGTH,
                                              pattern="^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$",
                                              description="why the household withdrew (not blank)")),
})


@bp.post("/loans/<int:loan_id>/withdrawal")
def withdraw_loan(loan_id: int):
    """Scope before body: 404 outside the caller's view, 403 (audited by the service) for anyone but a
    clerk of the loan's township, then the body is held to ``Withdrawal``."""
    loan = loan_queries.loan_for(api_user(), loan_id)
    if not in_scope(api_user(), "township_clerk", loan.township_id, None):
        registration.withdraw_application(actor(), loan.id, None)  # raises the audited ForbiddenError
    body = json_object("Withdrawal")
    loan = registration.withdraw_application(actor(), loan.id, body["reason"])
    return {"loan": loan_json(loan)}


@add_paths
def _paths() -> dict:
    return {"/loans/{loan_id}/withdrawal": {"post": op(
        "withdraw_loan", "Withdraw the application (撤回, a clerk of the loan's township) until the loan is "
                         "disbursed: the process ends, its open task leaves the inboxes, the loan is `withdrawn`",
        wrapped("200", "withdrawn", "loan", "Loan"), 403, 404, 422, body="Withdrawal",
        params=[path_id("loan_id")], tag="loans",
        description="404 for a loan outside the caller's view; 403 `forbidden` for anyone but a township clerk "
                    "of the loan's township; 422 `application_not_withdrawable` once the loan is disbursed or its "
                    "process has ended, `invalid` (`reason`) without a reason. Audited: `application_withdrawn`, "
                    "a refusal `attempt_refused`.")}}
