"""Saving and approving a rating campaign's ratings on one page (评级授信批量保存与审批).

On a scratch SQLite database, ``--households`` listed households of one village get a campaign
(opened, roster confirmed); then, through the real endpoints (Flask test client, signed in):

* the bulk page saving as the officer goes: one ``POST /credit/campaigns/<id>/ratings`` per row;
* the same page saving every row again in one request (a paste of the whole page);
* ``POST /credit/campaigns/<id>/approvals`` approving them all at once (four eyes checked per row).

Prints the median and p95 server milliseconds per one-row save, the milliseconds of the whole-page
save and of the bulk approval (and per row), the audit events written, and ``uptime``'s load average.
Usage: .venv/bin/python bench/credit_rating.py [--households 500]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository: tests/ is not installed

import sqlalchemy as sa  # noqa: E402

from bench.engine import percentile  # noqa: E402
from bench.scratch import scratch_world  # noqa: E402
from models import AuditEvent, db  # noqa: E402
from models.credit import CreditRating  # noqa: E402
from tests.factories import PASSWORD  # noqa: E402
from tests.workflows.credit_rating import factories as f  # noqa: E402


def signed_in(app, username: str):
    client = app.test_client()
    answer = client.post("/login", data={"username": username, "password": PASSWORD})
    assert answer.status_code == 302, answer.status_code
    return client


def timed(call) -> tuple[float, object]:
    start = time.perf_counter()
    result = call()
    return (time.perf_counter() - start) * 1000, result


def run(households: int) -> None:
    with scratch_world() as (app, world):
        rows = f.rows_for(f.households_in(f.village(), households))
        campaign = f.confirmed(world, f.opened(world))
        url = f"/credit/campaigns/{campaign.id}"
        officer, approver = signed_in(app, "officer_rcb"), signed_in(app, "approver_rcb")
        singles = []
        for row in rows:
            ms, answer = timed(lambda: officer.post(f"{url}/ratings", json={"rows": [row]}))
            assert answer.status_code == 200 and not answer.json["refused"], answer.json
            singles.append(ms)
        again = [{**row, "grade": "AA", "credit_line": "40000"} for row in rows]
        page_ms, answer = timed(lambda: officer.post(f"{url}/ratings", json={"rows": again}))
        assert len(answer.json["saved"]) == households, answer.json
        f.rated(world, campaign, [])  # the officer completes the rating task: approval opens
        approve_ms, answer = timed(lambda: approver.post(f"{url}/approvals", json={}))
        assert len(answer.json["approved"]) == households, answer.json
        approved = db.session.scalar(sa.select(sa.func.count()).select_from(CreditRating).filter_by(status="approved"))
        events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action.like("credit_rating_%")))
    print(f"households: {households}, approved: {approved}, rating audit events: {events}")
    print(f"one-row save (as the officer goes): median {statistics.median(singles):.2f} ms, "
          f"p95 {percentile(singles, 0.95):.2f} ms")
    print(f"whole-page save of {households} rows: {page_ms:.2f} ms ({page_ms / households:.2f} ms per row)")
    print(f"bulk approval of {households} rows: {approve_ms:.2f} ms ({approve_ms / households:.2f} ms per row)")
    print(f"load average (1, 5, 15 min): {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=500)
    run(parser.parse_args().households)


if __name__ == "__main__":
    main()
