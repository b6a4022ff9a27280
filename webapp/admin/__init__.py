"""Administration (系统管理): process diagrams, decision tables, policy settings, LPR, migrations,
the business date, users and roles.

Views live in one module per page group; each registers on ``bp`` (``blueprint.py``, which also
holds the admin-only guard).
"""
from __future__ import annotations

from . import clock, decisions, migrations, processes, settings, test_scripts, users
from .blueprint import bp

__all__ = ["bp", "clock", "decisions", "migrations", "processes", "settings", "test_scripts", "users"]
