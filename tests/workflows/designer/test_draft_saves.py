"""Saving a draft with unchanged sources is a no-op (未修改), not an IntegrityError."""
from __future__ import annotations

import sqlalchemy as sa

from models import AuditEvent, db
from models.drafts import ProcessDraftRevision
from workflows import drafts


def saves(draft_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ProcessDraftRevision).filter_by(draft_id=draft_id))


def test_unchanged_sources_keep_the_revision_and_write_nothing(world):
    admin = world.actor("admin")
    draft = drafts.create_draft(admin, "microcredit_loan")
    same = drafts.save_draft(admin, draft.id, dict(draft.sources), expected_revision=1)
    assert same.revision == 1 and saves(draft.id) == 1
    assert db.session.scalars(sa.select(AuditEvent).filter_by(action="draft_saved")).all() == []
    edited = {**draft.sources, "credit_line.dmn": draft.sources["credit_line.dmn"].replace("50000", "45000", 1)}
    assert drafts.save_draft(admin, draft.id, edited, expected_revision=1).revision == 2
    assert drafts.save_draft(admin, draft.id, dict(edited), expected_revision=2).revision == 2
    assert saves(draft.id) == 2


def test_a_new_comment_alone_is_saved(world):
    admin = world.actor("admin")
    draft = drafts.create_draft(admin, "microcredit_loan")
    saved = drafts.save_draft(admin, draft.id, dict(draft.sources), expected_revision=1, comment="说明")
    assert saved.comment == "说明" and db.session.scalars(
        sa.select(AuditEvent).filter_by(action="draft_saved")).one().comment == "说明"
