"""Nothing in the repository reads, runs or cites files outside it: no path into a sibling ``shared``
folder (the notes the code cites live in ``docs/``)."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIPPED_DIRS = {".git", ".venv", "venv", "node_modules", "vendor", "__pycache__", "instance", ".hypothesis",
                ".import_linter_cache", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
SUFFIXES = {".py", ".html", ".jinja", ".j2", ".txt", ".md", ".rst", ".toml", ".cfg", ".ini", ".yml", ".yaml",
            ".json", ".sh", ".bpmn", ".dmn", ".csv", ".js", ".css", ".po", ".mako"}
NAMES = {"Makefile", "Dockerfile", "Procfile", ".gitignore", ".env.example"}
# A parent-relative or /work path to that folder, or a pathlib join onto it; the pattern is built from
# parts so that this file does not match itself.
SHARED = "sh" + "ared"
OUTSIDE = re.compile(r"(?:\.\.[/\\]+|/work/+)" + SHARED + r"\b|/\s*[\"']" + SHARED + r"[\"']")


def checked_files() -> list[Path]:
    found = []
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if any(part in SKIPPED_DIRS or part.endswith(".egg-info") for part in relative.parts[:-1]):
            continue
        if path.is_file() and (path.suffix in SUFFIXES or path.name in NAMES or relative.parts[0] == ".ci"):
            found.append(path)
    return found


def test_the_scan_covers_code_build_ci_templates_and_notes():
    relative = {str(path.relative_to(ROOT)) for path in checked_files()}
    assert {"Makefile", ".ci/run", "tests/webapp/test_i18n.py", "docs/policy.md", "docs/engine.md",
            "workflows/engine.py", "webapp/templates/base.html"} <= relative


def test_no_file_points_outside_the_repository():
    offending = []
    for path in checked_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                offending.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offending == [], "\n".join(offending)
