"""``flask --app webapp …`` commands: setup, seed-demo, users create/deactivate, audit verify/anchor, timers run,
clock set/reset/show."""
from __future__ import annotations

import sys
import time
from datetime import datetime, timezone

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from models import db
from forms import describe_fields, form_from_json, task_form_class
from workflows import accounts, audit, business_date, demo_data, reference_data, simulation, timers
from workflows.errors import FormInvalidError, NotFoundError, PolicyViolationError

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
@click.option("--households", default=demo_data.HOUSEHOLDS, show_default=True, help="Simulated households.")
@click.option("--days", default=demo_data.YEARS_DAYS, show_default=True, help="Simulated days, ending today.")
def seed_demo_command(households, days) -> None:
    """Townships, banks, demo users (password Demo-2026!), a simulated district and loans at every stage."""
    if demo_data.already_seeded():
        click.echo("demo data already present; nothing done")
        return
    with click.progressbar(length=days, label="simulating two years of the district", show_pos=True) as bar:
        summary = demo_data.seed(TaskForms(), days=days, households=households, on_day=lambda _day: bar.update(1))
    business_date.mark_settable()  # a demo database: its business date may be set (flask clock set)
    click.echo("demo data created: " + ", ".join(f"{k}={v}" for k, v in summary.items()))


class TaskForms:
    """The simulator fills each task's form with the classes the pages and the API validate with."""

    def fields(self, form, form_fields) -> list[dict]:
        with current_app.test_request_context():  # labels are translated for a request's language
            return describe_fields(form_from_json(task_form_class(form, form_fields), {}))

    def data(self, form, form_fields, answers: dict) -> dict:
        with current_app.test_request_context():
            filled = form_from_json(task_form_class(form, form_fields), answers)
            if not filled.validate():
                raise FormInvalidError({name: [str(m) for m in messages] for name, messages in filled.errors.items()})
            return filled.to_data()


@click.command("simulate")
@click.option("--households", default=100, show_default=True, help="Households on the list.")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default="2025-01-01", show_default=True)
@click.option("--days", default=365, show_default=True, help="Simulated days.")
@click.option("--seed", default=1, show_default=True, help="Same seed, same district.")
@click.option("--on-time-rate", default=0.80, show_default=True)
@click.option("--late-rate", default=0.14, show_default=True)
@click.option("--default-rate", default=0.06, show_default=True)
@click.option("--refused-rate", default=0.08, show_default=True, help="Applications the policy refuses.")
@click.option("--late-visit-rate", default=0.15, show_default=True)
def simulate_command(households, start, days, seed, **rates) -> None:
    """Simulate a district day by day through the real use cases; exit 1 if an invariant breaks."""
    settings = simulation.Settings(households=households, start=start.date(), days=days, seed=seed, **rates)
    with click.progressbar(length=days, label="simulating", show_pos=True) as bar:
        result = simulation.simulate(settings, TaskForms(), on_day=lambda _day: bar.update(1))
    click.echo(result.summary())
    if not result.ok:
        sys.exit(1)


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
    """Walk every partition's chain, its head and the anchors; exit 1 naming each broken event and partition."""
    report = audit.verify()
    if report.ok:
        click.echo(f"audit trail intact: {report.checked} events verified, {report.anchors} anchors")
        return
    click.echo(f"audit trail BROKEN at event {report.broken_event_id}: {report.reason} "
               f"({report.checked} events intact)", err=True)
    for place in report.breaks[1:]:
        click.echo(f"  also broken: {place}", err=True)
    sys.exit(1)


@audit_cli.command("anchor")
def anchor_command() -> None:
    """Chain a snapshot of every partition's head now; print the last anchor for an outside witness."""
    written = audit.anchor()
    db.session.commit()
    last = written or audit.last_anchor()
    if last is None:
        click.echo("nothing to anchor: the audit trail is empty")
        return
    click.echo(f"anchor #{last.id} {last.created_at.isoformat()} {last.hash}"
               + ("" if written else " (no event since: unchanged)"))


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


clock_cli = AppGroup("clock", help="The business date (demo and test databases).")


@clock_cli.command("set")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
def clock_set_command(day) -> None:
    """Work on DAY (YYYY-MM-DD) until changed; the time of day follows the wall clock."""
    try:
        change = business_date.set_date(audit.SYSTEM, day.date(),
                                        allowed_by_config=current_app.config["BUSINESS_DATE_SETTABLE"])
    except PolicyViolationError as exc:
        hint = (": not a demo database; set BUSINESS_DATE_SETTABLE=1 for a test or training one"
                if business_date.NOT_SETTABLE in exc.codes else ": a day from 2000-01-01 to 2999-12-31")
        raise click.ClickException(f"refused ({', '.join(exc.codes)}){hint}") from None
    click.echo(f"business date: {change.after}" + (f" (moved back from {change.before})" if change.backwards else ""))


@clock_cli.command("reset")
def clock_reset_command() -> None:
    """Back to the wall clock's date."""
    business_date.reset(audit.SYSTEM)
    click.echo("business date reset: the wall clock's date")


@clock_cli.command("show")
def clock_show_command() -> None:
    """The business date, the wall clock and whether the date may be set here."""
    shown = business_date.state(current_app.config["BUSINESS_DATE_SETTABLE"])
    click.echo(f"business date: {shown.business_date or 'not set (wall clock)'}; today: {shown.today}; "
               f"wall clock: {shown.wall_now.isoformat()}; settable: {'yes' if shown.settable else 'no'}")


def register_commands(app: Flask) -> None:
    for command in (setup_command, seed_demo_command, simulate_command, users_cli, audit_cli, timers_cli, clock_cli):
        app.cli.add_command(command)

