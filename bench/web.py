"""HTTP latency and server memory with many loans in the database.

Builds a SQLite database with N loans waiting at every step (bench/portfolio.py, not the API),
starts gunicorn (one sync worker) on it, and prints median and p95 milliseconds for
``GET /api/v1/tasks`` and the inbox page per role, for a task completion through the API, and the
server's peak resident memory. Run with 1,000 and 10,000 loans to see memory does not grow with
the number of loans. Targets: inbox p95 <= 20 ms, completion p95 <= 30 ms.
Usage: .venv/bin/python bench/web.py [--loans 10000] [--requests 200]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the repository: bench/ and tests/ are not installed

import sqlalchemy as sa  # noqa: E402

from bench.portfolio import generate  # noqa: E402
from models import HumanTask, db  # noqa: E402
from tests.factories import PASSWORD, build_world  # noqa: E402
from webapp import create_app  # noqa: E402
from workflows import accounts  # noqa: E402

ROLES = ("clerk_hanfeng", "bureau", "officer_rcb", "approver_rcb", "finance", "supervisor")


def build_database(path: str, loans: int) -> None:
    accounts.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        db.create_all()
        generate(build_world(), loans)
        db.engine.dispose()


def listening_socket() -> socket.socket:
    """A socket listening on a free port of 127.0.0.1, for gunicorn to inherit: no race for the port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def start_server(path: str, sock: socket.socket, log: Path) -> subprocess.Popen:
    """gunicorn (one sync worker) on the SQLite database at ``path``, serving ``sock``."""
    return serve(f"sqlite:///{path}", sock, log)


def serve(url: str, sock: socket.socket, log: Path, options: tuple[str, ...] = ("-w", "1"),
          app: str = "webapp:create_app()", env: dict | None = None) -> subprocess.Popen:
    """gunicorn with ``options`` on the database at ``url``, serving ``sock``; stopped again if it fails."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "SESSION_COOKIE_SECURE": "0", **(env or {})}
    command = [str(Path(sys.executable).parent / "gunicorn"), *options, "-b", f"fd://{sock.fileno()}", app]
    with log.open("wb") as stderr:
        server = subprocess.Popen(command, cwd=ROOT, env=env, pass_fds=(sock.fileno(),), stderr=stderr)
    try:
        wait_until_serving(server, sock.getsockname()[1], log)
    except BaseException:
        stop_server(server)
        raise
    return server


def wait_until_serving(server: subprocess.Popen, port: int, log: Path, seconds: float = 60) -> None:
    """Return once the server answers ``GET /login``; raise if it exits or stays silent for ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {server.returncode}:\n{log.read_text()[-2000:]}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", "/login")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer within {seconds:.0f} s:\n{log.read_text()[-2000:]}")


def stop_server(server: subprocess.Popen) -> None:
    """Stop gunicorn and its worker: TERM (graceful), then KILL if it lingers."""
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


class Client:
    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port)
        self.headers: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        self.connection.request(method, path, body=body, headers={**self.headers, **(headers or {})})
        response = self.connection.getresponse()
        return response.status, response.getheaders(), response.read()

    def token(self, username: str) -> None:
        _, _, body = self.request("POST", "/api/v1/tokens", json.dumps({"username": username, "password": PASSWORD})
                                  .encode(), {"Content-Type": "application/json"})
        self.headers = {"Authorization": "Bearer " + json.loads(body)["token"]}

    def login(self, username: str) -> None:
        """Sign in through the real page: its CSRF token, then the session cookie."""
        self.headers = {}
        _, headers, page = self.request("GET", "/login")
        self.headers = {"Cookie": _cookie(headers)}
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()
        form = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": token}).encode()
        status, headers, _ = self.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302, status
        self.headers = {"Cookie": _cookie(headers)}


def _cookie(headers) -> str:
    return "; ".join(v.split(";")[0] for k, v in headers if k.lower() == "set-cookie")


def timed(call, count: int) -> list[float]:
    timings = []
    for _ in range(count):
        start = time.perf_counter()
        status = call()
        timings.append((time.perf_counter() - start) * 1000)
        assert status == 200, status
    return timings


def summary(timings: list[float]) -> str:
    ordered = sorted(timings)
    return f"median {statistics.median(ordered):6.2f} ms, p95 {ordered[int(0.95 * (len(ordered) - 1))]:6.2f} ms"


def completions(port: int, path: str, count: int) -> list[float]:
    """Confirm eligibility of ``count`` waiting loans through the API, as the rural bureau."""
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        ids = connection.scalars(sa.select(HumanTask.id).where(
            HumanTask.name == "confirm_eligibility", HumanTask.state == "ready").limit(count)).all()
    engine.dispose()
    client = Client(port)
    client.token("bureau")
    body = json.dumps({"eligible": True, "eligibility_note": "bench"}).encode()
    queue = iter(ids)
    return timed(lambda: client.request("POST", f"/api/v1/tasks/{next(queue)}/complete", body,
                                        {"Content-Type": "application/json"})[0], len(ids))


def peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def measure(port: int, path: str, requests: int) -> None:
    """Print the latencies per role and of task completion."""
    for username in ROLES:
        client = Client(port)
        client.token(username)
        api = timed(lambda: client.request("GET", "/api/v1/tasks")[0], requests)
        client.login(username)
        page = timed(lambda: client.request("GET", "/inbox")[0], requests)
        print(f"{username:15} GET /api/v1/tasks {summary(api)} | GET /inbox {summary(page)}")
    print(f"task completion via API (confirm_eligibility): {summary(completions(port, path, requests))}")


def server_peak_rss_kb(server: subprocess.Popen) -> int:
    """The largest peak resident memory of the gunicorn master and its workers."""
    workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
    return max([peak_rss_kb(server.pid)] + [peak_rss_kb(int(p)) for p in workers])


def exit_on_sigterm(_signum, _frame) -> None:
    """A terminated bench still runs its ``finally`` blocks, so the server is stopped."""
    raise SystemExit(143)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loans", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/http.db"
        started = time.perf_counter()
        build_database(path, args.loans)
        print(f"{args.loans} loans generated in {time.perf_counter() - started:.1f} s")
        with listening_socket() as sock:
            server = start_server(path, sock, Path(tmp) / "gunicorn.log")
            try:
                measure(sock.getsockname()[1], path, args.requests)
                print(f"server peak resident memory: {server_peak_rss_kb(server) / 1024:.1f} MiB")
            finally:
                stop_server(server)


if __name__ == "__main__":
    main()
