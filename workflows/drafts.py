"""Administrators' drafts of process diagrams: create, save with an optimistic lock, deploy (流程草稿).

Every service is one transaction with its audit event and is for administrators only. Unsafe
content (DOCTYPE/entities, a script or condition the sandbox refuses) is never stored, not even
in a draft; the full validation runs before a deploy (and on creation when ``known_forms`` is
given, as the API does). Two administrators saving the same draft: the second save names a stale
``expected_revision`` and gets ``DraftConflictError`` listing what the first one changed.
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from models import ProcessVersion, db
from models.drafts import ProcessDraft, ProcessDraftRevision

from . import audit, deployment, validation, versions
from .audit import Actor
from .errors import ConcurrentUpdateError, ForbiddenError, FormInvalidError, NotFoundError
from .unit_of_work import unit_of_work


class DraftConflictError(ConcurrentUpdateError):
    """Someone saved the draft (or deployed the process) since this editor loaded it (HTTP 409).

    ``changes`` is ``{"added": [...], "removed": [...], "changed": [...]}``: element ids the
    other save changed; the message lists them.
    """

    def __init__(self, message: str, changes: dict[str, list[str]]):
        self.changes = changes
        super().__init__(f"{message}: {versions.summary(changes)}")


class NothingToDeployError(FormInvalidError):
    """The draft's sources are those of the newest version already (HTTP 422, code ``unchanged``)."""

    codes = ("unchanged",)


def require_admin(actor: Actor) -> None:
    user = actor.user
    if user is None or not user.is_active or not user.has_role("admin"):
        raise ForbiddenError("only administrators edit process diagrams")


def get_draft(draft_id: int, process_key: str | None = None) -> ProcessDraft:
    draft = db.session.get(ProcessDraft, draft_id)
    if draft is None or (process_key is not None and draft.process_key != process_key):
        raise NotFoundError(f"draft {draft_id}")
    return draft


def open_drafts(process_key: str) -> list[ProcessDraft]:
    """Drafts not yet deployed, most recently saved first."""
    return list(db.session.scalars(
        sa.select(ProcessDraft).where(ProcessDraft.process_key == process_key,
                                      ProcessDraft.deployed_version_id.is_(None))
        .order_by(ProcessDraft.updated_at.desc(), ProcessDraft.id.desc())))


def _base_version(process_key: str, based_on_version) -> ProcessVersion | None:
    if isinstance(based_on_version, ProcessVersion):
        return based_on_version
    if based_on_version is not None:
        return versions.version(process_key, int(based_on_version))
    return db.session.scalars(ProcessVersion.latest(process_key)).first()


@unit_of_work
def create_draft(actor: Actor, process_key: str, based_on_version=None, *, sources: dict | None = None,
                 comment: str | None = None, known_forms: Iterable[str] | None = None) -> ProcessDraft:
    """A draft with a copy of a version's sources (the newest by default), or with ``sources``.

    With ``known_forms`` the sources must pass the full validation (``DiagramInvalidError``)."""
    require_admin(actor)
    base = _base_version(process_key, based_on_version)
    if sources is None:
        if base is None:
            raise NotFoundError(f"process {process_key} has no version to copy")
        sources = dict(base.sources)
    elif known_forms is not None:
        validation.check(process_key, sources, known_forms)
    else:
        validation.check_safety(sources)
    draft = ProcessDraft(process_key=process_key, based_on_version_id=base.id if base else None,
                         sources=dict(sources), author_id=actor.user_id, updated_by_id=actor.user_id,
                         comment=comment)
    db.session.add(draft)
    db.session.flush()
    _keep_revision(draft, actor)
    audit.record("draft_created", actor, after={
        "process_key": process_key, "draft_id": draft.id, "revision": draft.revision,
        "based_on_version": base.version if base else None, "hash": deployment.source_hash(draft.sources)},
        comment=comment)
    return draft


def _keep_revision(draft: ProcessDraft, actor: Actor) -> None:
    db.session.add(ProcessDraftRevision(draft_id=draft.id, revision=draft.revision, sources=dict(draft.sources),
                                        saved_by_id=actor.user_id))
    db.session.flush()


def _refuse_stale(draft: ProcessDraft, expected_revision: int) -> None:
    if draft.revision == expected_revision:
        return
    seen = db.session.scalars(sa.select(ProcessDraftRevision).filter_by(
        draft_id=draft.id, revision=expected_revision)).first()
    changes = versions.version_diff(seen.sources if seen else {}, draft.sources)
    who = draft.updated_by.display_name if draft.updated_by else "someone"
    raise DraftConflictError(
        f"{who} saved this draft (revision {draft.revision}) after you opened revision {expected_revision}; "
        "nothing was overwritten. Their changes", changes)


def _refuse_deployed(draft: ProcessDraft) -> None:
    if draft.deployed_version_id is not None:
        raise ConcurrentUpdateError(
            f"this draft was deployed as version {draft.deployed_version.version}; start a new draft")


@unit_of_work
def save_draft(actor: Actor, draft_id: int, sources: dict, expected_revision: int,
               comment: str | None = None) -> ProcessDraft:
    """Store new sources if nobody saved since ``expected_revision``; audit ``draft_saved``.

    Sources (and comment) equal to the stored ones are a no-op (未修改): no new revision, no audit
    event; the caller sees the revision unchanged."""
    require_admin(actor)
    draft = get_draft(draft_id)
    _refuse_deployed(draft)
    _refuse_stale(draft, expected_revision)
    validation.check_safety(sources)
    if dict(sources) == dict(draft.sources) and comment in (None, draft.comment):
        return draft
    old_sources, old_revision = draft.sources, draft.revision
    diff = versions.version_diff(old_sources, sources)
    draft.sources, draft.updated_by_id = dict(sources), actor.user_id
    if comment is not None:
        draft.comment = comment
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise ConcurrentUpdateError("somebody else saved this draft at the same moment") from exc
    _keep_revision(draft, actor)
    audit.record("draft_saved", actor,
                 before={"draft_id": draft.id, "revision": old_revision, "hash": deployment.source_hash(old_sources)},
                 after={"draft_id": draft.id, "revision": draft.revision, "hash": deployment.source_hash(sources),
                        "process_key": draft.process_key, "diff": diff}, comment=comment)
    return draft


def _refuse_outdated_base(draft: ProcessDraft, latest: ProcessVersion | None) -> None:
    """A version deployed after the draft was made would be silently undone: refuse."""
    if latest is None or latest.id == draft.based_on_version_id:
        return
    base = draft.based_on.sources if draft.based_on else {}
    raise DraftConflictError(
        f"version {latest.version} was deployed after this draft was made; start a new draft from it "
        f"(deploying this one would undo it). Version {latest.version} changed",
        versions.version_diff(base, latest.sources))


@unit_of_work
def deploy_draft(actor: Actor, draft_id: int, comment: str | None, known_forms: Iterable[str],
                 expected_revision: int | None = None) -> ProcessVersion:
    """Validate, deploy as the next numbered version, audit ``draft_deployed`` with the diff."""
    require_admin(actor)
    draft = get_draft(draft_id)
    _refuse_deployed(draft)
    if expected_revision is not None:
        _refuse_stale(draft, expected_revision)
    validation.check(draft.process_key, draft.sources, known_forms)
    latest = db.session.scalars(ProcessVersion.latest(draft.process_key)).first()
    _refuse_outdated_base(draft, latest)
    if latest is not None and latest.source_hash == deployment.source_hash(draft.sources):
        raise NothingToDeployError({"__all__": [f"the draft is the same as version {latest.version}"]})
    created = deployment.deploy(draft.process_key, dict(draft.sources), actor, comment=comment)
    draft.deployed_version_id = created.id
    db.session.flush()
    audit.record("draft_deployed", actor, after={
        "process_key": draft.process_key, "version": created.version, "draft_id": draft.id,
        "previous_version": latest.version if latest else None,
        "diff": versions.version_diff(latest.sources if latest else {}, draft.sources)}, comment=comment)
    return created
