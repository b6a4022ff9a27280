"""``flask --app webapp …`` commands: setup, seed-demo, users create/deactivate, audit verify, timers run."""
from __future__ import annotations

import sys
import time
from datetime import datetime, timezone

import click
from flask import Flask
from flask.cli import AppGroup

from models import db
from workflows import accounts, audit, demo_data, reference_data, timers
from workflows.errors import FormInvalidError, NotFoundError

users_cli = AppGroup("users", help="Manage user accounts.")
audit_cli = AppGroup("audit", help="Check the audit trail.")


@click.command("setup")
def setup_command() -> None:
    """Load the LPR history, default policy settings and deploy the bundled diagrams (idempotent)."""
    counts = reference_data.install()
    db.session.commit()
    click.echo(f"LPR publications added: {counts['lpr']}; settings added: {counts['settings']}; "
               f"processes deployed: {counts['versions']}")


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Townships, banks, demo users (password Demo-2026!), households and loans at every stage."""
    if demo_data.already_seeded():
        click.echo("demo data already present; nothing done")
        return
    summary = demo_data.seed()
    click.echo("demo data created: " + ", ".join(f"{k}={v}" for k, v in summary.items()))


@users_cli.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, help="Role code; repeat for several.")
@click.option("--township", default=None, help="Township code (township clerks).")
@click.option("--bank", default=None, help="Bank code (bank officers and approvers).")
@click.option("--name", "display_name", default=None, help="Display name.")
def create_user_command(username, roles, township, bank, display_name) -> None:
    """Create USERNAME; the password is read from standard input."""
    password = sys.stdin.readline().rstrip("\n")
    try:
        accounts.create_user(username, password, list(roles), township=township, bank=bank,
                             display_name=display_name)
    except FormInvalidError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"user {username} created with roles {', '.join(roles)}")


@users_cli.command("deactivate")
@click.argument("username")
def deactivate_user_command(username) -> None:
    """Deactivate a user; their claimed tasks go back to their role's pool."""
    try:
        released = accounts.deactivate(username)
    except NotFoundError:
        raise click.ClickException(f"no user {username}") from None
    click.echo(f"{username} deactivated; {released} claimed task(s) back in the pool")


@audit_cli.command("verify")
def verify_command() -> None:
    """Walk the hash chain; exit 1 naming the first broken event if any row was changed or removed."""
    report = audit.verify()
    if report.ok:
        click.echo(f"audit trail intact: {report.checked} events verified")
        return
    click.echo(f"audit trail BROKEN at event {report.broken_event_id}: {report.reason} "
               f"({report.checked} events verified before it)", err=True)
    sys.exit(1)


timers_cli = AppGroup("timers", help="The timer worker.")


@timers_cli.command("run")
@click.option("--now", "now_text", default=None, help="Fake clock: fire what is due at this ISO datetime.")
@click.option("--loop", is_flag=True, help="Keep sweeping every --interval seconds.")
@click.option("--interval", default=60, show_default=True, help="Seconds between sweeps with --loop.")
def timers_run_command(now_text, loop, interval) -> None:
    """Fire every due timer (by process_instances.next_timer_at); safe to run in several processes."""
    while True:
        now = datetime.fromisoformat(now_text) if now_text else None
        if now is not None and now.tzinfo is None:
            now = now.replace(tzinfo=timezone.utc)
        report = timers.sweep(now)
        click.echo(f"timers fired: {report.fired}; conflicts: {report.conflicts}; errors: {report.errors}")
        if not loop:
            break
        time.sleep(interval)


def register_commands(app: Flask) -> None:
    for command in (setup_command, seed_demo_command, users_cli, audit_cli, timers_cli):
        app.cli.add_command(command)

