"""``GET /api/v1/openapi.json``: the OpenAPI 3.0.3 document of every endpoint of this blueprint.

A test checks that the blueprint's rules and the document's paths are the same set.
"""
from __future__ import annotations

from models import GRADES, LOAN_STATUSES
from workflows.loan_queries import SORT_KEYS

from .base import MAX_ID, MAX_JSON_DEPTH, MAX_PAGE, MAX_PER_PAGE, bp
from .openapi_schemas import RESPONSES, SCHEMAS, integer, ref, text

SCOPE_RULE = (
    "Deny by default. Every endpoint except `POST /tokens` and `GET /openapi.json` needs "
    "`Authorization: Bearer <token>`; the session cookie of the pages is never accepted. "
    "Objects outside the caller's scope: a loan (and its events) answers **404**, as if it did not exist; "
    "a task answers **403** `forbidden` when it exists but is not in the caller's role and scope "
    "(the same rule as the task pages), 404 when there is no such task. "
    "Errors have one shape (`Error`): `codes` are stable (POLICY.md rule codes, `invalid`, `forbidden`, "
    "`four_eyes`, `claimed`, `already_completed`, `stale`, `process_error`, `unauthorized`, `not_found`, "
    "`bad_request`); "
    "`message` is for people. A task a colleague holds answers 403 `claimed` with `holder` and `since`; a "
    "completed one 409 `already_completed` with `completed_by` and `completed_at`; a diagram that fails while "
    "a step runs 422 `process_error` with `process`, `task` and (a script) `line`, and nothing is saved. "
    "Requests are held to this document before anything else is done: a JSON body that is not UTF-8 JSON or "
    f"nests deeper than {MAX_JSON_DEPTH} levels is 400 `bad_request`; a query parameter outside its schema (type, "
    "enum, bounds, length, pattern, format; sent empty or twice) is 422 `invalid` with a message per parameter; a "
    f"body outside its schema is 422 `invalid` with a message per field. Lists page alike: `page` 1 to {MAX_PAGE}, "
    f"`per_page` 1 to {MAX_PER_PAGE}, anything else 422, never clamped. `GET /reference` lists the codes to send."
)
TASK_REFUSALS = (
    "403 `forbidden` outside the caller's role and scope, `four_eyes` for a user who did an earlier step the "
    "task keeps apart (its diagram's `four_eyes_with`, e.g. the investigator at the approval), `claimed` when "
    "a colleague holds it (`holder`, `since`); 409 `already_completed` when somebody completed it. Every such "
    "refusal is recorded in the audit trail (`attempt_refused`)."
)


def answer(status: str, description: str, schema: str | None = None) -> dict:
    answer: dict = {"description": description}
    if schema:
        answer["content"] = {"application/json": {"schema": ref(schema)}}
    return {status: answer}


def wrapped(status: str, description: str, key: str, schema: str, many: bool = False) -> dict:
    """An answer ``{key: <schema>}`` (or ``{key: [<schema>…]}``)."""
    inner = {"type": "array", "items": ref(schema)} if many else ref(schema)
    body = {"type": "object", "required": [key], "properties": {key: inner}}
    return {status: {"description": description, "content": {"application/json": {"schema": body}}}}


def error_answers(*statuses: int) -> dict:
    names = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
             422: "Invalid", 429: "TooManyAttempts"}
    return {str(s): {"$ref": f"#/components/responses/{names[s]}"} for s in statuses}


def op(op_id: str, summary: str, ok: dict, *errors: int, body: str | None = None, params=(),
        public: bool = False, tag: str = "", description: str = "") -> dict:
    operation = {"operationId": op_id, "summary": summary, "tags": [tag] if tag else [],
                 "responses": {**ok, **error_answers(*(() if public else (401,)), *errors)}}
    if description:
        operation["description"] = description
    if body:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref(body)}}}
    if params:
        operation["parameters"] = list(params)
    if public:
        operation["security"] = []
    return operation


def query(name: str, schema: dict, description: str = "") -> dict:
    """A query parameter. Sent empty it is checked like any value: an empty date, number or code is 422."""
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def path_id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": integer(minimum=1, maximum=MAX_ID)}


def free_text(max_length: int = 64) -> dict:
    """Text to search for; NUL is refused (PostgreSQL text cannot hold it)."""
    return text(maxLength=max_length, pattern=NO_NUL)


def code(what: str, max_length: int = 32) -> dict:
    """A code to filter by (an unknown one matches nothing; empty is no code): township, bank, action, task."""
    return {**free_text(max_length), "minLength": 1, "description": what}


def query_id(name: str, description: str = "") -> dict:
    return query(name, integer(minimum=1, maximum=MAX_ID), description)


NO_NUL = "^[^\\u0000]*$"
TOWNSHIP, BANK = "township code (GET /reference lists them)", "bank code (GET /reference lists them)"
DAY = text(format="date", pattern=r"^(19|2[0-9])[0-9]{2}-", description="a day from 1900-01-01 to 2999-12-31")
# (its pattern is the range of messages.DAY_OUT_OF_RANGE: the instants of a filter stay within what a database holds)
PAGING = (query("page", integer(minimum=1, maximum=MAX_PAGE), "from 1; beyond the last page the list is empty"),
          query("per_page", integer(minimum=1, maximum=MAX_PER_PAGE), "items per page"))
CURSOR = query("cursor", text(minLength=1, maxLength=512, pattern="^[A-Za-z0-9_-]+$"),
               "the `next_cursor` of the page before (keyset paging: one index range however deep; "
               "`page` is then not used); one of another list or order is 422")
LOAN_FILTERS = (
    query("status", text(enum=list(LOAN_STATUSES))), query("township", code(TOWNSHIP)),
    query("bank", code(BANK)), query("grade", text(enum=list(GRADES))),
    query("applied_from", DAY), query("applied_to", DAY, "not before `applied_from` (else 422)"),
    query("q", free_text(), "household name (a part), full resident ID or contract number"),
    query("sort", text(enum=[f"{sign}{key}" for key in SORT_KEYS for sign in ("", "-")]),
          "a column, `-` in front for descending (default `-id`)"), *PAGING, CURSOR,
)
LOAN_ID, TASK_ID = path_id("loan_id"), path_id("task_id")


def _paths() -> dict:
    task_action = {
        verb: {"post": op(f"{verb}_task", summary, answer("200", "the task", "Task"), 403, 404, 409,
                           params=[TASK_ID], tag="tasks", description=description)}
        for verb, summary, description in (
            ("claim", "Claim a task (no colleague of the role can complete it meanwhile)",
             TASK_REFUSALS + " Claiming one's own task again changes nothing; 409 `stale` when a colleague "
                             "claimed it at the same moment."),
            ("unclaim", "Give a claimed task back to the role",
             "403 `forbidden` for anyone but its assignee; 409 `already_completed` when it was completed."))
    }
    return {
        "/tokens": {"post": op("create_token", "Sign in: a bearer token", answer("201", "issued", "Token"), 401,
                                422, 429, body="TokenRequest", public=True, tag="auth",
                                description="Failures are counted in the database for every worker: too many "
                                            "from one address answer 429 `too_many_requests`; a name locked for "
                                            "the caller's address answers 401 like a wrong password.")},
        "/tokens/current": {"delete": op("revoke_token", "Sign out: revoke this token",
                                          answer("204", "revoked"), tag="auth")},
        "/me": {"get": op("me", "Who the token belongs to", answer("200", "the user", "Me"), tag="auth")},
        "/households": {
            "get": op("list_households", "Listed households (ID numbers masked except for the rural bureau)",
                       answer("200", "one page", "HouseholdPage"), 403,
                       params=[query("q", free_text(), "name (a part), or the start of the resident ID"),
                               query("township", code(TOWNSHIP)), *PAGING, CURSOR], tag="households"),
            "post": op("create_household", "Register a household (rural bureau only)",
                        wrapped("201", "registered", "household", "Household"),
                        403, 422, body="HouseholdInput", tag="households"),
        },
        "/loans": {
            "get": op("list_loans", "Loans in the caller's scope", answer("200", "one page", "LoanPage"), 422,
                       params=LOAN_FILTERS, tag="loans"),
            "post": op("register_loan", "Register an application (township clerk); a policy refusal is 422 "
                        "with the rule codes and nothing is written",
                        wrapped("201", "registered", "loan", "Loan"),
                        403, 422, body="LoanApplication", tag="loans",
                        description="403 `household_other_township` (with `errors.id_number`) for a household "
                                    "listed in another township; 403 `forbidden` for anyone but a township clerk."),
        },
        "/loans/{loan_id}": {"get": op("get_loan", "One loan", answer("200", "the loan", "Loan"), 404,
                                        params=[LOAN_ID], tag="loans")},
        "/loans/{loan_id}/events": {"get": op(
            "loan_events", "The loan's audit trail, oldest first",
            wrapped("200", "events", "items", "Event", many=True),
            404, params=[LOAN_ID], tag="loans")},
        "/tasks": {"get": op("list_tasks", "My actionable tasks (my role and scope, unclaimed or mine), "
                             "soonest due first, one page at a time",
                              answer("200", "one page", "TaskPage"), 422, params=[*PAGING, CURSOR], tag="tasks")},
        "/tasks/{task_id}": {"get": op("get_task", "A task with its form's fields and the instance version",
                                        answer("200", "the task", "TaskDetail"), 403, 404, params=[TASK_ID],
                                        tag="tasks")},
        "/tasks/{task_id}/claim": task_action["claim"],
        "/tasks/{task_id}/unclaim": task_action["unclaim"],
        "/tasks/{task_id}/complete": {"post": op(
            "complete_task", "Complete a task with its form's fields",
            answer("200", "completed; the loan's new status (`loan` null for a process without a loan)",
                   "TaskCompleted"), 403, 404, 409, 422,
            body="TaskCompletion", params=[TASK_ID], tag="tasks",
            description=TASK_REFUSALS + " 409 `stale` when `instance_version` is not the instance's; 422 "
                                        "`invalid` (messages per field), a rule code of the step, or "
                                        "`process_error` (`process`, `task`, `line`).")},
        "/openapi.json": {"get": op("openapi_document", "This document",
                                     {"200": {"description": "OpenAPI 3.0.3",
                                              "content": {"application/json": {"schema": {"type": "object"}}}}},
                                     public=True, tag="meta")},
    }


PATH_PROVIDERS: list = []  # functions returning {path: operations}; modules of other areas add theirs
EXTRA_SCHEMAS: dict = {}
EXTRA_TAGS: list[str] = []


def add_paths(provider):
    """Register a function returning more paths for the document (each API module documents itself)."""
    PATH_PROVIDERS.append(provider)
    return provider


def _all_paths() -> dict:
    paths = _paths()
    for provider in PATH_PROVIDERS:
        paths.update(provider())
    return paths


def _with_input_errors(paths: dict) -> dict:
    """Every operation with a body may answer 400 (malformed JSON), every one with query parameters 422."""
    for item in paths.values():
        for method, operation in item.items():
            if method in ("post", "put", "patch", "delete"):
                operation["responses"].update(error_answers(400))
            if any(p["in"] == "query" for p in operation.get("parameters", ())):
                operation["responses"].setdefault("422", error_answers(422)["422"])
    return paths


def document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Microcredit workflow API (脱贫人口小额信贷)", "version": "1", "description": SCOPE_RULE},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": _with_input_errors(_all_paths()),
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
                       "schemas": {**SCHEMAS, **EXTRA_SCHEMAS}, "responses": RESPONSES},
        "tags": [{"name": n} for n in ("auth", "households", "loans", "tasks", "meta", *EXTRA_TAGS)],
    }


@bp.get("/openapi.json")
def openapi_document():
    return document()
