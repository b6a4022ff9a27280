"""Every route × every role: the expected answer of each, deny by default.

The table lists every URL rule of the app (``static`` aside) with each method. A new route fails
``test_the_matrix_lists_every_route`` until it is added here with its answers. Rows run top to
bottom for each role on one portfolio, so a row that changes state (claim) comes before the row
that undoes it (unclaim), and signing out comes last.

Portfolio: a hanfeng household with a cqrcb loan waiting at ``investigate_credit`` (bank officer).
Columns: admin, township clerk of hanfeng, clerk of another township, rural bureau, cqrcb officer,
cqrcb approver, officer of another bank (psbc), finance bureau, supervisor, anonymous.
``L`` = 302 to the sign-in page. POSTs send an empty form (pages) or ``{}`` (API).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from workflows import drafts
from tests.factories import drive, make_household, ready_task, register

COLUMNS = ("admin", "clerk", "other_clerk", "bureau", "officer", "approver", "other_bank", "finance",
           "supervisor", "anonymous")
USERS = {"admin": "admin", "clerk": "clerk_hanfeng", "other_clerk": "clerk_zhaojia", "bureau": "bureau",
         "officer": "officer_rcb", "approver": "approver_rcb", "other_bank": "officer_psbc", "finance": "finance",
         "supervisor": "supervisor", "anonymous": None}

MATRIX = """
# method rule                                     adm clk oclk bur off apr obnk fin sup anon
GET    /                                          302 302 302  302 302 302 302  302 302 L
GET    /login                                     302 302 302  302 302 302 302  302 302 200
POST   /login                                     302 302 302  302 302 302 302  302 302 200
POST   /language                                  302 302 302  302 302 302 302  302 302 302
GET    /inbox                                     200 200 200  200 200 200 200  200 200 L
POST   /inbox/claim                               302 302 302  302 302 302 302  302 302 L
POST   /inbox/tasks/<int:task_id>/claim           403 403 403  403 302 403 403  403 403 L
POST   /inbox/tasks/<int:task_id>/unclaim         403 403 403  403 302 403 403  403 403 L
POST   /inbox/tasks/<int:task_id>/reassign        302 403 403  403 302 403 403  403 302 L
GET    /loans                                     200 200 200  200 200 200 200  200 200 L
GET    /loans/<int:loan_id>                       200 200 404  200 200 200 404  200 200 L
GET    /loans/<int:loan_id>/diagram.json          200 200 404  200 200 200 404  200 200 L
GET    /applications/new                          403 200 200  403 403 403 403  403 403 L
POST   /applications/new                          403 422 422  403 403 403 403  403 403 L
GET    /tasks/<int:task_id>                       403 403 403  403 200 403 403  403 200 L
POST   /tasks/<int:task_id>                       403 403 403  403 422 403 403  403 403 L
POST   /api/v1/tokens                             422 422 422  422 422 422 422  422 422 422
GET    /api/v1/me                                 200 200 200  200 200 200 200  200 200 401
GET    /api/v1/households                         200 200 200  200 200 200 200  200 200 401
POST   /api/v1/households                         403 403 403  422 403 403 403  403 403 401
GET    /api/v1/loans                              200 200 200  200 200 200 200  200 200 401
POST   /api/v1/loans                              403 422 422  403 403 403 403  403 403 401
GET    /api/v1/loans/<int:loan_id>                200 200 404  200 200 200 404  200 200 401
GET    /api/v1/loans/<int:loan_id>/events         200 200 404  200 200 200 404  200 200 401
GET    /api/v1/tasks                              200 200 200  200 200 200 200  200 200 401
GET    /api/v1/tasks/<int:task_id>                403 403 403  403 200 403 403  403 200 401
POST   /api/v1/tasks/<int:task_id>/claim          403 403 403  403 200 403 403  403 403 401
POST   /api/v1/tasks/<int:task_id>/unclaim        403 403 403  403 200 403 403  403 403 401
POST   /api/v1/tasks/<int:task_id>/complete       403 403 403  403 422 403 403  403 403 401
GET    /api/v1/openapi.json                       200 200 200  200 200 200 200  200 200 200
DELETE /api/v1/tokens/current                     204 204 204  204 204 204 204  204 204 401
POST   /logout                                    L   L   L    L   L   L   L    L   L   L
"""


@dataclass(frozen=True)
class Row:
    method: str
    rule: str
    expected: dict[str, str]

    @property
    def is_api(self) -> bool:
        return self.rule.startswith("/api/")


def parse(table: str) -> list[Row]:
    rows = []
    for line in table.strip().splitlines():
        if line.startswith("#"):
            continue
        method, rule, *answers = line.split()
        assert len(answers) == len(COLUMNS), line
        rows.append(Row(method, rule, dict(zip(COLUMNS, answers))))
    return rows


ROW_FILES = sorted((Path(__file__).parent / "route_matrix").glob("*.txt"))  # one file per area of the app
SIGN_OUT = ("/api/v1/tokens/current", "/logout")  # they end each role's session: always the last rows
_ALL = parse(MATRIX) + [row for path in ROW_FILES for row in parse(path.read_text(encoding="utf-8"))]
ROWS = [row for row in _ALL if row.rule not in SIGN_OUT] + [row for row in _ALL if row.rule in SIGN_OUT]


def test_the_matrix_lists_every_route(app):
    """Deny by default: every rule × method of the app has a row, and every row a rule."""
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    listed = {(row.method, row.rule) for row in ROWS}
    assert routes - listed == set(), "routes missing from the matrix"
    assert listed - routes == set(), "matrix rows without a route"
    assert len(listed) == len(ROWS), "a route is listed twice"


@pytest.fixture
def portfolio(world) -> dict[str, int]:
    loan = register(world, make_household("hanfeng"))
    drive(world, loan.id, until="investigate_credit")
    draft = drafts.create_draft(world.actor("admin"), "microcredit_loan")
    return {"loan_id": loan.id, "task_id": ready_task(loan.id, "investigate_credit").id,
            "process_key": "microcredit_loan", "version": 1, "draft_id": draft.id}


def concrete(rule: str, values: dict[str, int]) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(values.get(m.group(1), 0)), rule)


def outcome(response) -> str:
    """The status code, or ``L`` for a redirect to the sign-in page."""
    if response.status_code == 302 and response.headers.get("Location", "").split("?")[0].endswith("/login"):
        return "L"
    return str(response.status_code)


@pytest.mark.parametrize("column", COLUMNS)
def test_every_route_answers_each_role_as_declared(app, login, portfolio, column):
    """The page client holds the session cookie; the API client only the bearer token."""
    username = USERS[column]
    pages = login(username) if username else app.test_client()
    api = app.test_client()
    headers = login.token(username) if username else {}
    differences = []
    for row in ROWS:
        url = concrete(row.rule, portfolio)
        if row.is_api:
            response = api.open(url, method=row.method, headers=headers,
                                json={} if row.method in ("POST", "DELETE") else None)
        else:
            response = pages.open(url, method=row.method, data={} if row.method == "POST" else None)
        actual = outcome(response)
        if actual != row.expected[column]:
            differences.append(f"{row.method} {row.rule}: expected {row.expected[column]}, got {actual}")
    assert differences == [], f"{column} ({USERS[column]}):\n" + "\n".join(differences)
