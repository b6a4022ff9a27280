"""``--profile`` of bench/throughput.py: cProfile and SQL timings inside each gunicorn worker, and their report.

gunicorn serves ``profiled_app()`` instead of the app; each worker writes its profile and its SQL
statements' counts and times to ``$THROUGHPUT_PROFILE_DIR`` when it exits, and ``print_profile``
sums them per completion.
"""
from __future__ import annotations

import atexit
import cProfile
import json
import os
import pstats
import re
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import sqlalchemy as sa

from models import db
from webapp import create_app

ROOT = Path(__file__).resolve().parent.parent
PROFILE_DIR = "THROUGHPUT_PROFILE_DIR"  # set for the workers by --profile (see ``profiled_app``)

SKIPPED = 2  # each worker's first completions (the diagrams' parse, first queries) are left out of the profile


def profiled_app():
    """The app for ``--profile``: the task completions after each worker's first ``SKIPPED`` under cProfile
    (CPU time), and their SQL statements counted and timed (wall time), written to
    ``$THROUGHPUT_PROFILE_DIR/<pid>.*`` when the worker exits (gunicorn's sync worker)."""
    app = create_app()
    out = Path(os.environ[PROFILE_DIR])
    profile = cProfile.Profile(time.process_time)  # CPU, not wall: waits for the database are SQL's
    sql: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])  # statement → [count, seconds]
    seen = Counter()  # requests by kind; "profiled": completions profiled
    watching = threading.local()
    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _started(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    @sa.event.listens_for(engine, "after_cursor_execute")
    def _finished(conn, cursor, statement, parameters, context, executemany):
        if getattr(watching, "on", False):
            entry = sql[statement_key(statement)]
            entry[0] += 1
            entry[1] += time.perf_counter() - conn.info["bench_started"]

    inner = app.wsgi_app

    def wsgi(environ, start_response):
        kind = request_kind(environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""))
        seen[kind] += 1
        if not kind.endswith("/complete") or seen[kind] <= SKIPPED:
            return inner(environ, start_response)
        seen["profiled"] += 1
        watching.on = True
        profile.enable()
        try:
            return list(inner(environ, start_response))
        finally:
            profile.disable()
            watching.on = False

    def dump():
        profile.dump_stats(str(out / f"{os.getpid()}.prof"))
        (out / f"{os.getpid()}.json").write_text(json.dumps({"requests": seen, "sql": sql}))

    app.wsgi_app = wsgi
    atexit.register(dump)
    return app


def statement_key(statement: str) -> str:
    text = re.sub(r"\s+", " ", statement).strip()
    text = re.sub(r"\(__\[POSTCOMPILE_\w+\]\)|IN \([^)]*\)", "IN (…)", text)
    return text[:160]


def request_kind(method: str, path: str) -> str:
    return f"{method} {re.sub(r'/[0-9]+', '/<id>', path)}"


def print_profile(directory: Path, top: int = 20) -> None:
    """The SQL statements (wall time: PostgreSQL's work, waits for locks) and the functions (CPU time of
    the worker) per completion, summed over the workers; every request is counted, completions dominate."""
    files = sorted(directory.glob("*.prof"))
    if not files:
        print("profile: no worker wrote its profile")
        return
    stats = pstats.Stats(*(str(f) for f in files))
    requests, sql = Counter(), defaultdict(lambda: [0, 0.0])
    for part in directory.glob("*.json"):
        data = json.loads(part.read_text())
        requests.update(data["requests"])
        for key, (n, seconds) in data["sql"].items():
            sql[key][0] += n
            sql[key][1] += seconds
    per = max(requests.pop("profiled", 0), 1)
    cpu = sum(own for _, _, own, _, _ in stats.stats.values())
    print(f"profile of {per} completions over {len(files)} worker(s) (cProfile's overhead inflates CPU about "
          f"threefold: compare shares, not totals); requests: {dict(requests)}")
    print(f"worker CPU {cpu * 1000 / per:.2f} ms, SQL {sum(n for n, _ in sql.values()) / per:.1f} statements taking "
          f"{sum(s for _, s in sql.values()) * 1000 / per:.2f} ms (wall) per completion")
    for key, (n, seconds) in sorted(sql.items(), key=lambda kv: -kv[1][1])[:top]:
        print(f"  {n / per:5.2f} x {seconds * 1000 / per:6.2f} ms  {key}")
    ours = [(key, row) for key, row in stats.stats.items()
            if key[0].startswith(str(ROOT)) and "site-packages" not in key[0]]
    print("project functions by cumulative CPU, ms per completion:")
    for (filename, line, name), (_, calls, _, cumulative, _) in sorted(ours, key=lambda kv: -kv[1][3])[:2 * top]:
        print(f"  {cumulative * 1000 / per:7.2f} ms {calls / per:6.1f} calls  {short_path(filename)}:{line} {name}")
    print("all functions by own CPU, ms per completion:")
    for (filename, line, name), (_, calls, own, _, _) in sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:top]:
        print(f"  {own * 1000 / per:7.2f} ms {calls / per:8.1f} calls  {short_path(filename)}:{line} {name}")
    libraries: Counter = Counter()
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():
        libraries[library_of(filename)] += own
    print("own CPU by package, ms per completion: " + ", ".join(
        f"{name} {seconds * 1000 / per:.1f}" for name, seconds in libraries.most_common(12)))


def library_of(filename: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    if filename.startswith(str(ROOT)):  # the project's packages (the venv's are site-packages above)
        return filename[len(str(ROOT)) + 1:].split("/", 1)[0]
    return "python" if filename.startswith(("/", "<")) else "builtins"


def short_path(filename: str) -> str:
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename
