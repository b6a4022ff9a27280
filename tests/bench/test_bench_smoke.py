"""Every benchmark in bench/ runs at a tiny size and prints its figures.

Each script runs as its own process, the way ``make bench`` runs it (``python bench/<name>.py``), in
a new session with its temporary files under the test's ``tmp_path``. Nothing about speed is
asserted: the figures of a tiny run mean nothing, only that the bench still works.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from models import db
from webapp import create_app
from workflows import audit

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120  # seconds per bench; a tiny run takes a few

# script name, tiny size, a line every run prints
BENCHES = [
    ("engine", ["--loans", "2"], "ratio service/raw"),
    ("state_codec", ["--loans", "1"], "(in use)"),
    ("web", ["--loans", "16", "--requests", "3"], "task completion via API"),
    ("throughput", ["--loans", "4", "--clients", "2", "--workers", "1"], "completions/s"),
    ("timers", ["--waiting", "40", "--due", "2"], "ms per timer"),
    ("import", ["--rows", "20"], "re-import"),
    ("refusals", ["--loans", "2", "--burst", "3"], "refused attempts per second"),
    ("credit_rating", ["--households", "3"], "bulk approval of"),
    ("simulate", ["--households", "4", "--days", "30", "--short", "15"], "ms per simulated day"),
    ("overdue", ["--loans", "30"], "per 1,000"),
    ("lists", ["--households", "60", "--repeat", "2", "--depth", "2"], "tracemalloc peak"),
    ("history", ["--loans", "20"], "ms per day"),
    # SQLite dry runs in a temporary folder; the PostgreSQL COPY path: test_the_generator_copies_into_postgresql
    ("portfolio", ["--loans", "120", "--townships", "3", "--chunk", "50"], "loans over 3 more townships"),
    ("province", ["--loans", "60", "--repeat", "2", "--depth", "2"], "tracemalloc peak"),
]
FIGURE = re.compile(r"\d+\.\d+\s*(ms|s|MiB)\b")
MAIN_BLOCK = re.compile(r'^if __name__ == "__main__":', re.MULTILINE)  # what makes bench/<name>.py a bench


def run_bench(name: str, args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    """Run ``bench/<name>.py``; whatever it leaves running (gunicorn) is killed with its session."""
    command = [sys.executable, str(ROOT / "bench" / f"{name}.py"), *args]
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    bench = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, start_new_session=True)
    try:
        stdout, stderr = bench.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        bench.terminate()  # the bench stops its server on SIGTERM
        stdout, stderr = bench.communicate(timeout=15)
        pytest.fail(f"bench/{name}.py took over {TIMEOUT} s:\n{stdout}\n{stderr}")
    finally:
        kill_session(bench.pid)
    return subprocess.CompletedProcess(command, bench.returncode, stdout, stderr)


def kill_session(pid: int) -> None:
    """Kill what is left of the process group the bench led (nothing, when it cleaned up)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.mark.parametrize(("name", "args", "expected"), BENCHES, ids=[bench[0] for bench in BENCHES])
def test_bench_runs_at_a_tiny_size_and_prints_figures(name, args, expected, tmp_path):
    result = run_bench(name, args, tmp_path)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert expected in result.stdout, result.stdout
    assert FIGURE.search(result.stdout), result.stdout


def test_every_bench_script_has_a_smoke_run():
    """A bench added without a line above would rot unnoticed. A bench is a script: it has an
    ``if __name__ == "__main__":`` block. The modules without one are helpers the benches import, not benches
    (``__init__``, ``scratch``, a bench's parts such as ``portfolio_clones`` or ``throughput_profile``)."""
    scripts = {path.stem for path in (ROOT / "bench").glob("*.py") if MAIN_BLOCK.search(path.read_text("utf-8"))}
    assert scripts == {bench[0] for bench in BENCHES}


def test_the_generator_copies_into_postgresql(database_url, tmp_path):
    """On a PostgreSQL test run, ``bench/portfolio.py`` builds its province by COPY (the path the million
    loans take, which the SQLite dry run above does not) into a database of its own, and the trail it
    wrote verifies."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the COPY path needs PostgreSQL (TEST_DATABASE_URL)")
    url = sa.engine.make_url(database_url)
    target = url.set(database=f"{url.database}_copy")
    target_url = target.render_as_string(hide_password=False)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    drop = sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
    with admin.connect() as connection:
        connection.execute(drop)
    try:
        result = run_bench("portfolio", ["--database-url", target_url,
                                         "--loans", "150", "--townships", "2", "--chunk", "50"], tmp_path)
        assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
        assert "COPY audit_events" in result.stdout, result.stdout
        app = create_app({"SQLALCHEMY_DATABASE_URI": target_url})
        with app.app_context():
            report = audit.verify()
            stored = db.session.execute(sa.text(
                "SELECT DISTINCT length(hash) FROM audit_events")).all()
            db.session.remove()
            db.engine.dispose()
        assert report.ok and report.checked > 150 * 4, report
        assert stored == [(32,)]  # the digest's bytes, as the app writes it (models.Digest)
    finally:
        with admin.connect() as connection:
            connection.execute(drop)
        admin.dispose()
