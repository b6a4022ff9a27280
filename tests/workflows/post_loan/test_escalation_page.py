"""A visit left open past ``visit_escalation_days``: the 督办 tasks and the monitoring page's list."""
from __future__ import annotations

from datetime import date

from workflows import clock

from ...factories import make_household
from ...factories_postloan import VISIT_OK, at, complete, disbursed, sweep


def escalated_table(login, username, day):
    with clock.frozen(at(day)):
        html = login(username).get("/monitoring").text
    return html.split('id="visits-escalated"')[1].split("</table>")[0]


def test_an_open_visit_is_listed_while_its_supervision_runs(world, login):
    loan = disbursed(world)
    other = disbursed(world, household=make_household("zhaojia"), clerk="clerk_zhaojia")
    sweep(date(2025, 4, 10))
    sweep(date(2025, 5, 10), hour=9)  # the visit opened at the 10:00 sweep of 2025-04-10: not 30 days yet
    assert f"#{loan.id}</a>" not in escalated_table(login, "supervisor", date(2025, 5, 10))
    sweep(date(2025, 5, 10), hour=11)
    table = escalated_table(login, "supervisor", date(2025, 5, 10))
    assert f"#{loan.id}</a>" in table and f"#{other.id}</a>" in table
    assert f"#{other.id}</a>" not in escalated_table(login, "clerk_hanfeng", date(2025, 5, 10))  # scoped
    complete(world, loan.id, "post_loan_visit", "clerk_hanfeng", date(2025, 5, 11), **VISIT_OK)
    table = escalated_table(login, "supervisor", date(2025, 5, 11))
    assert f"#{loan.id}</a>" not in table and f"#{other.id}</a>" in table
