"""The ``components`` of the OpenAPI document: bodies, answers and the error shape."""
from __future__ import annotations

from forms.application import PURPOSE_CATEGORIES
from forms.validators import FitsStorage
from models import CATEGORIES, LOAN_KINDS, LOAN_STATUSES, RISK_CLASSES, ROLES, HumanTaskState
from workflows.imports.loans import IMPORTED_PURPOSE


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(needed: list[str] | tuple[str, ...] = (), /, **properties) -> dict:
    """An object schema with ``properties``; ``needed`` are the required ones."""
    schema = {"type": "object", "properties": properties}
    if needed:
        schema["required"] = list(needed)
    return schema


def text(nullable: bool = False, **extra) -> dict:
    return {"type": "string", **({"nullable": True} if nullable else {}), **extra}


def integer(nullable: bool = False, **extra) -> dict:
    return {"type": "integer", **({"nullable": True} if nullable else {}), **extra}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


MONEY = text(True, pattern=r"^-?\d+\.\d{2}$", example="30000.00", description="yuan, two decimals")
RATE = text(True, pattern=r"^\d+\.\d{4}$", example="3.0000", description="annual rate in percent")
INSTANT = text(True, format="date-time", description="ISO 8601 with the offset (Asia/Shanghai)")
DAY = text(True, format="date")
PAGE = {"total": integer(), "page": integer(minimum=1), "per_page": integer(minimum=1)}
KEYSET = {"total_capped": {"type": "boolean", "description": "`total` counts at most 1,000: true means more than that"},
          "next_cursor": text(True, description="give it as `cursor` for the next page; null on the last page")}
PURPOSES = [code for code, _ in PURPOSE_CATEGORIES]  # what an application may name (GET /reference: with labels)
ACTOR_ROLES = [*ROLES, "system"]  # the role an event was recorded in; null for sign-ins

ERROR = obj(
    ["errors", "codes"],
    errors={"type": "object", "additionalProperties": array(text()),
            "description": "messages per form field; `__all__` for the whole request"},
    codes=array(text(description="`invalid`, a rule code of docs/policy.md, `bad_request`, `unauthorized`, "
                                 "`forbidden`, `four_eyes`, `claimed`, `not_found`, `already_completed`, `stale`, "
                                 "`process_error`…")),
    message=text(),
    holder=text(True, description="403 claimed only: who holds the task"),
    since=INSTANT,
    completed_by=text(True, description="409 already_completed only"),
    completed_at=INSTANT,
    process=text(description="422 process_error only: the process id the failing element is drawn in"),
    task=text(description="422 process_error only: the BPMN id of the failing element (script, gateway, task)"),
    line=integer(description="422 process_error only: the line of the failing script"),
)

TASK = obj(
    ["id", "loan_id", "process_instance_id", "name", "title", "role", "assignee", "created_at", "due_at"],
    id=integer(), loan_id=integer(True, description="null for a task of a process without a loan "
                                                  "(a subsidy settlement, a fund top-up)"),
    process_instance_id=integer(),
    name=text(description="the BPMN task id, e.g. `approve_loan`"),
    title=text(), role=text(enum=list(ROLES)), state=text(enum=[str(s) for s in HumanTaskState]),
    assignee=text(True, description="username of the colleague who claimed it"),
    claimed_at=INSTANT, created_at=INSTANT, due_at=INSTANT,
)

HOUSEHOLD = obj(
    ["id", "name", "id_number", "township", "category"],
    id=integer(), name=text(), id_number=text(description="masked (`500234********1234`) outside the reader's scope"),
    township=text(), village=text(True), category=text(enum=list(CATEGORIES)), removed={"type": "boolean"},
    dishonest={"type": "boolean"},
)

LOAN_SUMMARY = obj(
    ["id", "status", "kind", "amount", "term_months", "bank", "township"],
    id=integer(), status=text(enum=list(LOAN_STATUSES)), kind=text(enum=list(LOAN_KINDS)),
    household_id=integer(), household_name=text(), township=text(), bank=text(description="bank code"),
    amount=MONEY, term_months=integer(), grade=text(True), applied_on=DAY, created_at=INSTANT,
)

LOAN_DETAIL = {"allOf": [ref("LoanSummary"), obj(
    ["household", "process", "open_tasks"],
    purpose_category=text(enum=[*PURPOSES, IMPORTED_PURPOSE[0]],
                          description=f"`{IMPORTED_PURPOSE[0]}` for a loan imported from the bank's books"),
    purpose=text(), rejection_codes=array(text(description="rule codes of the policy table (docs/policy.md), or "
                                                           "the end event that refused the application")),
    recommended_amount=MONEY,
    recommended_term_months=integer(True), credit_line=MONEY, approved_amount=MONEY,
    approved_term_months=integer(True), annual_rate=RATE, rate_cap=RATE, approved_on=DAY,
    contract_number=text(True), disbursed_on=DAY, maturity_date=DAY, principal_outstanding=MONEY,
    subsidised_principal=MONEY, covered_principal=MONEY, extension_count=integer(), days_past_due=integer(),
    risk_class=text(enum=list(RISK_CLASSES)), household=ref("Household"),
    process={**obj(["key", "version"], key=text(), version=integer()), "nullable": True},
    open_tasks=array(ref("Task")),
)]}

EVENT = obj(
    ["id", "occurred_at", "action"],
    id=integer(), occurred_at=INSTANT, action=text(description="e.g. `task_completed`"), actor=text(True),
    actor_role=text(True, enum=[*ACTOR_ROLES, None]),
    task_name=text(True), before={"type": "object", "nullable": True}, after={"type": "object", "nullable": True},
    comment=text(True), codes=array(text()),
)

FIELD = obj(
    ["name", "type", "required", "label"],
    name=text(), type=text(enum=["string", "decimal", "integer", "date", "boolean", "choice"]),
    required={"type": "boolean"}, label=text(description="in the caller's language"),
    choices={"type": "array", "nullable": True, "items": text(), "description": "the values of a choice field"},
    min={"description": "least value (decimal as text, date as ISO) or least characters", "nullable": True},
    max={"description": "greatest value (decimal as text, date as ISO) or most characters", "nullable": True},
)

MAX_MONEY = float(FitsStorage.MONEY)
APPLICATION = obj(
    ["id_number", "bank", "amount", "term_months", "purpose_category", "purpose", "kind"],
    id_number=text(minLength=1, maxLength=32, description="18-digit resident ID of a listed household of the "
                                                          "clerk's township (spaces are ignored)"),
    bank=text(minLength=1, maxLength=32, description="partner bank code, e.g. `cqrcb` (GET /reference lists them)"),
    amount={"oneOf": [text(pattern=r"^(0*[1-9][0-9]{0,11}(\.[0-9]{1,2})?|0+\.(0[1-9]|[1-9][0-9]?))$"),
                      {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": MAX_MONEY}],
            "example": "30000.00", "description": "yuan, more than 0, at most two decimals; a string keeps the fen "
                                                  "exact (the policy caps it: `amount_over_cap`)"},
    term_months=integer(minimum=1, maximum=FitsStorage.MONTHS, description="the policy caps it: `term_over_cap`"),
    purpose_category=text(enum=PURPOSES, example="breeding", description="GET /reference lists them with their "
                                                                         "labels; non-productive ones are refused "
                                                                         "(`purpose_not_productive`)"),
    purpose=text(minLength=1, maxLength=500), kind=text(enum=list(LOAN_KINDS)),
)

SCHEMAS = {
    "Error": ERROR,
    "TokenRequest": obj(["username", "password"], username=text(minLength=1),
                        password=text(minLength=1, format="password")),
    "Token": obj(["token", "expires_at"], token=text(), token_type=text(enum=["Bearer"]), expires_at=INSTANT),
    "Me": obj(["id", "username", "display_name", "roles"], id=integer(), username=text(), display_name=text(),
              roles=array(text(enum=list(ROLES))), township=text(True), bank=text(True)),
    "Household": HOUSEHOLD,
    "HouseholdInput": obj(["id_number", "name", "township", "village", "category"],
                          id_number=text(minLength=1, maxLength=32, description="18-digit resident ID (spaces are "
                                                                                "ignored)"),
                          name=text(minLength=1, maxLength=64, pattern=r"\S"),
                          township=text(minLength=1, maxLength=32, description="township code (GET /reference)"),
                          village=text(minLength=1, maxLength=32, description="village code within the township "
                                                                              "(GET /reference)"),
                          category=text(enum=list(CATEGORIES))),
    "HouseholdPage": obj(["items", "total", "total_capped", "next_cursor", "page", "per_page"],
                         items=array(ref("Household")), **PAGE, **KEYSET),
    "LoanApplication": APPLICATION,
    "LoanSummary": LOAN_SUMMARY,
    "Loan": LOAN_DETAIL,
    "LoanPage": obj(["items", "total", "total_capped", "next_cursor", "page", "per_page"],
                    items=array(ref("LoanSummary")), **PAGE, **KEYSET),
    "TaskPage": obj(["items", "total", "total_capped", "next_cursor", "page", "per_page"],
                    items=array(ref("Task")), **PAGE, **KEYSET),
    "Event": EVENT,
    "Task": TASK,
    "TaskDetail": {"allOf": [ref("Task"), obj(
        ["process", "fields", "instance_version"], process=text(description="the process id, e.g. `microcredit_loan`"),
        form=text(True, description="the registered form class; null when the diagram defines the fields"),
        fields=array(ref("Field")), instance_version=integer())]},
    "Field": FIELD,
    "TaskCompletion": {"type": "object", "additionalProperties": True, "properties": {
        "instance_version": integer(True, description="from GET /tasks/{task_id}; another version answers 409 "
                                                     "`stale`; null or absent: not checked"),
    }, "description": "an object validated against the task's `fields` (GET /tasks/{task_id}): each field by its "
                      "name, of its type (string, decimal as number or text, integer, date as ISO text, boolean, "
                      "choice as one of its values), required ones present, within min/max; other keys are "
                      "ignored; a field that does not check is 422 `invalid` with the message beside its name"},
    "TaskCompleted": obj(["task", "loan", "process_instance"], task=ref("Task"),
                         loan={**obj(["id", "status"], id=integer(), status=text(enum=list(LOAN_STATUSES))),
                               "nullable": True, "description": "null for a process without a loan"},
                         process_instance=obj(["id", "process", "status"], id=integer(), process=text(),
                                              status=text(enum=["running", "completed", "error"]))),
}

ERROR_RESPONSES = {
    "BadRequest": "the body is not UTF-8 JSON, or nests too deep (`bad_request`); nothing was done",
    "Unauthorized": "no bearer token, or it is unknown, expired or revoked (`unauthorized`)",
    "Forbidden": "the role or scope does not allow it (`forbidden`); `four_eyes` for a user who did an earlier "
                 "step the task keeps apart (e.g. the investigator of a loan, at its approval); `claimed` when a "
                 "colleague holds the task (`holder`, `since`)",
    "NotFound": "no such object, or not visible to the caller (`not_found`)",
    "Invalid": "bad input (`invalid` with messages per field), a policy rule refuses it (its codes), or the "
               "process diagram failed while running the step (`process_error`; nothing was saved)",
    "Conflict": "`already_completed` (someone completed the task) or `stale` (the instance moved on)",
    "TooManyAttempts": "too many failed sign-ins from this address; wait and try again (`too_many_requests`)",
}
RESPONSES = {name: {"description": description, "content": {"application/json": {"schema": ref("Error")}}}
             for name, description in ERROR_RESPONSES.items()}
