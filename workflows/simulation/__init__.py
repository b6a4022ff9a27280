"""A district simulator (辖区模拟): households, loans and staff over simulated days, through the real use cases.

``simulate(Settings(...), forms)`` lists households with the bureau, registers their applications
each month, completes every user task through the task pipeline as a staff user of the task's role
and scope, records repayments on time, late or never, and runs the timer worker day by day on the
frozen clock; each January its banks run rating campaigns (``rating``), whose ratings let
households borrow on the investigation's short path, and the bureau publishes the yearly credit
households, villages and towns; then it checks the invariants (``invariants``) and returns the
figures. Nothing is written behind the services' back. ``flask --app webapp simulate`` runs it; ``seed-demo`` uses it
for the demo's two years.
"""
from .forms_port import TaskForms
from .run import Result, simulate
from .settings import Settings

__all__ = ["Result", "Settings", "TaskForms", "simulate"]
