"""The district simulator: a small district keeps every invariant, and a seed gives the same district."""
from __future__ import annotations

import time
from datetime import date

from webapp.cli import TaskForms
from workflows import simulation

from ...conftest import _empty_all_tables

SMALL = simulation.Settings(households=60, start=date(2025, 1, 1), days=400, seed=7)


def test_a_small_district_lives_400_days_and_keeps_every_invariant(app):
    started = time.perf_counter()
    result = simulation.simulate(SMALL, TaskForms())
    took = time.perf_counter() - started
    print(f"\n60 households x 400 days: {took:.1f} s\n{result.summary()}")
    assert result.ok, result.summary()
    tally = result.tally
    assert tally.total("loans_disbursed") >= 30
    assert tally.total("applications_refused") >= 1  # a share the policy refuses
    assert tally["tasks_done.post_loan_visit"] > 0 and tally.total("repayments") > 0
    assert tally["tasks_done.review_subsidy_settlement"] > 0 and tally["tasks_done.record_topup"] > 0
    assert tally.total("loans_closed") > 0
    # rating campaigns (评级授信): opened, rated, approved in bulk, published; their ratings feed the investigations
    assert tally["campaigns_opened"] > 0 and tally["tasks_done.publish_ratings"] == tally["campaigns_opened"]
    assert tally["ratings_approved"] == tally.total("ratings_saved") > 0
    assert tally["investigations.short_path"] > 0 and tally["investigations.full"] > 0
    assert tally["tasks_done.review_designations"] > 0  # the bureau published the yearly designations
    assert int(result.portfolio["credit designations"].get("household.published", 0)) > 0
    assert "OK   rating four eyes" in result.summary() and "OK   short-path investigations covered" in result.summary()



def test_the_same_seed_gives_the_same_district(app):
    settings = simulation.Settings(households=15, start=date(2025, 3, 1), days=150, seed=11)
    first = simulation.simulate(settings, TaskForms()).summary()
    _empty_all_tables()
    second = simulation.simulate(settings, TaskForms()).summary()
    assert first == second
    _empty_all_tables()
    other = simulation.simulate(simulation.Settings(households=15, start=date(2025, 3, 1), days=150, seed=12),
                                TaskForms()).summary()
    assert other != first


def test_a_task_the_simulator_does_not_know_is_filled_from_its_form(app):
    fields = TaskForms().fields("ApproveLoanForm", None)
    filled = simulation.forms_port.fill(fields, {}, date(2025, 1, 1))
    assert filled["decision"] == "approve" and filled["approved_amount"] is None
    assert TaskForms().data("ApproveLoanForm", None, {**filled, "decision": "reject"})["decision"] == "reject"
