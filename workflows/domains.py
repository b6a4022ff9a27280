"""The domains that fill the task pipeline's registries (steps, facts panels) when imported.

``load()`` is called by the app factory, so the web process, the timer worker and the CLI all
complete tasks with every domain's checks in place.
"""
from __future__ import annotations

import importlib

DOMAIN_MODULES = ("workflows.loan_steps", "workflows.post_loan", "workflows.risk_fund",
                  "workflows.subsidy_settlement", "workflows.credit_rating.steps")


def load() -> None:
    for name in DOMAIN_MODULES:
        importlib.import_module(name)
