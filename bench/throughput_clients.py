"""The load of bench/throughput.py: the API clients, the tasks they share out, and the CPU they cost.

Each ``Client`` thread completes its own loans' tasks (``Plan``) through the JSON API on its own
keep-alive connection, with a bearer token per user it acts as, a few warm-up completions first.
``drive_clients`` starts them together and reads, around the timed phase, the CPU of the machine, of
the gunicorn workers, of the database's backends and of the bench itself (``/proc``).
"""
from __future__ import annotations

import http.client
import json
import os
import resource
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from tests.factories import PASSWORD


def payloads(today: str) -> dict[str, tuple[str, dict]]:
    """Who completes each step and the JSON body they send."""
    return {
        "confirm_eligibility": ("bureau", {"eligible": True, "eligibility_note": "bench"}),
        "investigate_credit": ("officer_rcb", {"grade": "AAA", "recommended_amount": "30000.00",
                                               "recommended_term_months": 12, "investigation_report": "bench"}),
        "approve_loan": ("approver_rcb", {"decision": "approve", "approved_amount": "30000.00",
                                          "approved_term_months": 12, "annual_rate": "3.00",
                                          "approval_comment": "bench"}),
        "disburse_loan": ("officer_rcb", {"contract_number": "KZ-BENCH", "disbursed_on": today,
                                          "account_number": "6228480000001"}),
    }


@dataclass(frozen=True)
class Task:
    id: int
    loan_id: int
    name: str


@dataclass
class Plan:
    """The tasks to complete, and the business date the server will run on."""

    tasks: list[Task]
    today: str


# ---------------------------------------------------------------- the CPU meters


def worker_pids(server: subprocess.Popen) -> list[int]:
    return [int(p) for p in subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True)
            .stdout.split()]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def database_backends(url: str) -> list[int]:
    """The PostgreSQL server processes serving the bench's database now (the workers' pooled connections)."""
    if not url.startswith("postgresql"):
        return []
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        pids = connection.scalars(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                          "AND pid <> pg_backend_pid()")).all()
    engine.dispose()
    return list(pids)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# ---------------------------------------------------------------- the clients


class Client(threading.Thread):
    """One API client: its own connection, its own loans, one token per user it acts as."""

    def __init__(self, port: int, tasks: list[Task], today: str, warmup: int, start: threading.Barrier,
                 claim: bool, open_form: bool):
        super().__init__(daemon=True)
        self.port, self.tasks, self.warmup, self.start_together = port, tasks, warmup, start
        self.bodies, self.claim, self.open_form = payloads(today), claim, open_form
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.tokens: dict[str, str] = {}
        self.answers: dict[int, int] = {}  # task id → status of its completion
        self.timings: list[tuple[str, float]] = []  # (step, ms) per timed completion (with claim and form read)
        self.statuses: Counter = Counter()  # every answer of the timed phase, by status
        self.failure: BaseException | None = None

    def request(self, method: str, path: str, username: str | None, body: dict | None = None):
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if username:
            headers["Authorization"] = "Bearer " + self.tokens[username]
        self.connection.request(method, path, body=json.dumps(body).encode() if body is not None else None,
                                headers=headers)
        response = self.connection.getresponse()
        return response.status, response.read()

    def sign_in(self) -> None:
        for username in {username for username, _ in self.bodies.values()}:
            status, body = self.request("POST", "/api/v1/tokens", None, {"username": username, "password": PASSWORD})
            if status != 201:
                raise RuntimeError(f"token for {username}: {status} {body[:200]!r}")
            self.tokens[username] = json.loads(body)["token"]
        status, body = self.request("GET", "/api/v1/tasks", "bureau")  # the list a client starts from
        if status != 200 or not json.loads(body)["items"]:
            raise RuntimeError(f"GET /api/v1/tasks: {status} {body[:200]!r}")

    def complete(self, task: Task, timed: bool) -> None:
        username, body = self.bodies[task.name]
        started = time.perf_counter()
        answers = []
        if self.claim:
            answers.append(self.request("POST", f"/api/v1/tasks/{task.id}/claim", username, {})[0])
        if self.open_form:
            status, form = self.request("GET", f"/api/v1/tasks/{task.id}", username)
            answers.append(status)
            if status == 200:
                body = {**body, "instance_version": json.loads(form)["instance_version"]}
        status = self.request("POST", f"/api/v1/tasks/{task.id}/complete", username, body)[0]
        answers.append(status)
        self.answers[task.id] = status
        if timed:
            self.timings.append((task.name, (time.perf_counter() - started) * 1000))
            self.statuses.update(answers)

    def run(self) -> None:
        try:
            self.sign_in()
            for task in self.tasks[:self.warmup]:
                self.complete(task, timed=False)
        except BaseException as exc:  # reported by the main thread
            self.failure = exc
            self.start_together.abort()
            return
        try:
            self.start_together.wait()
            for task in self.tasks[self.warmup:]:
                self.complete(task, timed=True)
        except BaseException as exc:
            self.failure = exc
        finally:
            self.connection.close()


def share_out(tasks: list[Task], clients: int) -> list[list[Task]]:
    """Each client its own loans (one ready task per loan), every step mixed in each share."""
    shares: list[list[Task]] = [[] for _ in range(clients)]
    for i, task in enumerate(tasks):
        shares[i % clients].append(task)
    return shares


@dataclass
class Run:
    wall: float
    timings: list[tuple[str, float]]
    statuses: Counter
    answers: dict[int, int]
    timed_ok: int
    cpu: dict[str, float] = field(default_factory=dict)
    load: str = ""


def drive_clients(port: int, plan: Plan, clients: int, warmup: int, claim: bool, open_form: bool,
                  server: subprocess.Popen, url: str) -> Run:
    start = threading.Barrier(clients + 1, timeout=600)
    threads = [Client(port, share, plan.today, min(warmup, len(share) // 2), start, claim, open_form)
               for share in share_out(plan.tasks, clients)]
    for thread in threads:
        thread.start()
    try:
        start.wait()
    except threading.BrokenBarrierError:
        pass
    workers, backends = worker_pids(server), database_backends(url)
    before = ({pid: cpu_seconds(pid) for pid in workers + backends}, machine_ticks(),
              resource.getrusage(resource.RUSAGE_SELF))
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    load = load_average()
    busy, total = machine_ticks()
    mine = resource.getrusage(resource.RUSAGE_SELF)
    failures = [t.failure for t in threads if t.failure is not None]
    if failures:
        raise RuntimeError(f"{len(failures)} client(s) failed; the first: {failures[0]!r}") from failures[0]
    cpu = {"machine busy": (busy - before[1][0]) / max(total - before[1][1], 1),
           "machine busy seconds": (busy - before[1][0]) / os.sysconf("SC_CLK_TCK"),
           "gunicorn workers": sum(cpu_seconds(pid) - before[0][pid] for pid in workers),
           "database": sum(cpu_seconds(pid) - before[0][pid] for pid in backends),
           "bench clients": (mine.ru_utime + mine.ru_stime) - (before[2].ru_utime + before[2].ru_stime)}
    answers = {k: v for t in threads for k, v in t.answers.items()}
    timed_ok = sum(1 for t in threads for task in t.tasks[t.warmup:] if t.answers.get(task.id) == 200)
    statuses = sum((t.statuses for t in threads), Counter())
    return Run(wall, [ms for t in threads for ms in t.timings], statuses, answers, timed_ok, cpu, load)
