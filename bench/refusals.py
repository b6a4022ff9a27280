"""Happy-path task completion while refused attempts keep coming (拒绝留痕 under load).

Every refused attempt is a transaction of its own that appends an ``attempt_refused`` event to the
hash chain, whose head row every writer takes first. This measures, on SQLite, the service-layer
completion (``workflows.tasks.service.complete_task``, commit included) of the real
``microcredit_loan`` diagram in three runs of ``--loans`` loans each (four completions per loan):

* alone;
* with a burst of ``--burst`` refused attempts between successive completions, in turn: a completion
  outside the user's scope, a task a colleague claimed, four eyes, a task already completed, a stale
  instance version, a claim outside the scope;
* with a second thread refusing attempts as fast as it can meanwhile.

Prints median and p95 milliseconds per completion for each run, the refusals per second, and checks
that every refusal left exactly one event and that the chain still verifies.
Usage: .venv/bin/python bench/refusals.py [--loans 50] [--burst 10]
"""
from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository: tests/ is not installed

import sqlalchemy as sa  # noqa: E402

from models import AuditEvent, HumanTask, ProcessInstance, User, db  # noqa: E402
from tests.factories import (INVESTIGATION, PASSWORD, drive, make_household, ready_task,  # noqa: E402
                             register)
from bench.scratch import scratch_world  # noqa: E402
from workflows import accounts, audit, clock  # noqa: E402
from workflows.audit import Actor  # noqa: E402
from workflows.errors import DomainError  # noqa: E402
from workflows.tasks import claims, service  # noqa: E402
from bench.engine import STEPS, percentile  # noqa: E402  (the same four steps as bench/engine.py)


def happy_path(world, loans: int, between=None) -> list[float]:
    """Milliseconds per completion over ``loans`` loans; ``between()`` runs after each completion."""
    timings = []
    for _ in range(loans):
        loan = register(world, make_household())
        for name, user, data in STEPS:
            task = ready_task(loan.id, name)
            data = {**data, "disbursed_on": clock.today()} if name == "disburse_loan" else data
            start = time.perf_counter()
            service.complete_task(world.actor(user), task.id, data)
            timings.append((time.perf_counter() - start) * 1000)
            if between is not None:
                between()
    return timings


def targets(world) -> dict[str, int]:
    """Tasks each kind of refusal aims at: one claimed by a colleague, one four eyes keeps, one done."""
    world.users["dual_rcb"] = accounts.create_user("dual_rcb", PASSWORD, ["bank_officer", "bank_approver"],
                                                   bank="cqrcb")
    db.session.commit()
    ids = {}
    for kind in ("claimed", "four_eyes", "done"):
        loan = register(world, make_household())
        drive(world, loan.id, until="investigate_credit")
        ids[kind] = ready_task(loan.id, "investigate_credit").id
    claims.claim(world.actor("officer_rcb"), ids["claimed"])
    service.complete_task(world.actor("dual_rcb"), ids["four_eyes"], INVESTIGATION)
    ids["four_eyes"] = ready_task(db.session.get(HumanTask, ids["four_eyes"]).loan_id, "approve_loan").id
    service.complete_task(world.actor("officer_rcb"), ids["done"], INVESTIGATION)
    version = db.session.get(HumanTask, ids["claimed"]).process_instance_id
    ids["stale_version"] = db.session.get(ProcessInstance, version).version - 1
    return ids


def refusals(actors: dict[str, Actor], ids: dict[str, int]) -> list:
    """One callable per kind of refused attempt; each must raise a refusal."""
    return [
        lambda: service.complete_task(actors["officer_psbc"], ids["claimed"], INVESTIGATION),  # outside scope
        lambda: service.complete_task(actors["officer2_rcb"], ids["claimed"], INVESTIGATION),  # claimed
        lambda: service.complete_task(actors["dual_rcb"], ids["four_eyes"], {}),  # four eyes
        lambda: service.complete_task(actors["officer2_rcb"], ids["done"], INVESTIGATION),  # already completed
        lambda: service.complete_task(actors["officer_rcb"], ids["claimed"], INVESTIGATION,
                                      ids["stale_version"]),  # stale
        lambda: claims.claim(actors["officer_psbc"], ids["four_eyes"]),  # claim outside scope
    ]


class Refuser:
    """Runs refused attempts in turn, timing each; a completion that is not refused is a bug."""

    def __init__(self, attempts: list):
        self.attempts, self.turn, self.timings = attempts, itertools.cycle(range(len(attempts))), []

    def once(self) -> None:
        attempt = self.attempts[next(self.turn)]
        start = time.perf_counter()
        try:
            attempt()
        except DomainError:
            self.timings.append((time.perf_counter() - start) * 1000)
            return
        raise AssertionError("a refused attempt was accepted")

    def burst(self, size: int):
        return lambda: [self.once() for _ in range(size)]


def actors_of(usernames) -> dict[str, Actor]:
    users = db.session.scalars(sa.select(User).where(User.username.in_(usernames)))
    return {user.username: Actor(user, None, "127.0.0.1") for user in users}


def hammer(app, ids: dict[str, int], stop: threading.Event, done: list) -> None:
    """A second thread: refused attempts as fast as it goes until ``stop``; ``done`` gets its timings
    (or what stopped it)."""
    with app.app_context():
        refuser = Refuser(refusals(actors_of(("officer_psbc", "officer2_rcb", "dual_rcb", "officer_rcb")), ids))
        try:
            while not stop.is_set():
                refuser.once()
        except Exception as exc:  # reported by the main thread
            done.append(exc)
        done.append(refuser.timings)
        db.session.remove()


def line(label: str, timings: list[float]) -> str:
    return f"{label}: median {statistics.median(timings):.2f} ms, p95 {percentile(timings, 0.95):.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loans", type=int, default=50, help="loans per run (four completions each)")
    parser.add_argument("--burst", type=int, default=10, help="refused attempts between two completions")
    args = parser.parse_args()
    with scratch_world() as (app, world):
        ids = targets(world)
        happy_path(world, 1)  # warm up: the specs parsed and cached, the first queries prepared
        events_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "attempt_refused"))
        alone = happy_path(world, args.loans)
        refuser = Refuser(refusals({name: world.actor(name) for name in world.users}, ids))
        started = time.perf_counter()
        interleaved = happy_path(world, args.loans, refuser.burst(args.burst))
        burst_wall = time.perf_counter() - started
        stop, hammered = threading.Event(), []
        thread = threading.Thread(target=hammer, args=(app, ids, stop, hammered))
        started = time.perf_counter()
        thread.start()
        concurrent = happy_path(world, args.loans)
        stop.set()
        thread.join()
        hammer_wall = time.perf_counter() - started
        if not isinstance(hammered[0], list):
            raise hammered[0]
        refused = len(refuser.timings) + len(hammered[0])
        recorded = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "attempt_refused")) - events_before
        intact = audit.verify().ok
    print(f"loans per run: {args.loans} ({len(alone)} completions), burst: {args.burst} refusals per completion")
    print(line("completion alone                        ", alone))
    print(line("completion with refusal bursts between  ", interleaved))
    print(line("completion with a refusing thread beside", concurrent))
    print(line("refused attempt (burst)                 ", refuser.timings))
    print(f"refused attempts per second: {len(refuser.timings) / sum(refuser.timings) * 1000:.1f} (burst, "
          f"refusals alone), {len(refuser.timings) / burst_wall:.1f} (burst run, wall), "
          f"{len(hammered[0]) / hammer_wall:.1f} (second thread, wall {hammer_wall:.2f} s)")
    print(f"p95 slowdown: {percentile(interleaved, 0.95) / percentile(alone, 0.95):.2f}x (bursts), "
          f"{percentile(concurrent, 0.95) / percentile(alone, 0.95):.2f}x (thread)")
    print(f"refused attempts: {refused}, attempt_refused events: {recorded}, audit chain intact: {intact}")
    if recorded != refused or not intact:
        sys.exit("every refused attempt must leave exactly one event and the chain must verify")


if __name__ == "__main__":
    main()
