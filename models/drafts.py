"""Draft process diagrams being edited by administrators (流程草稿)."""
from __future__ import annotations
