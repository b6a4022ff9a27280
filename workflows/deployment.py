"""Deploy process diagrams as numbered versions (each set of sources stored once, with its hash)."""
from __future__ import annotations

import hashlib
from pathlib import Path

import sqlalchemy as sa

from models import ProcessVersion, db

from . import audit, engine
from .audit import SYSTEM, Actor

BPMN_DIR = Path(__file__).resolve().parent / "bpmn"
BUNDLED_PROCESSES = ("microcredit_loan", "risk_fund_topup", "interest_subsidy_settlement", "post_loan",
                     "credit_rating_campaign", "credit_designation")


def bundled_sources(directory: Path = BPMN_DIR) -> dict[str, str]:
    """Every BPMN and DMN file shipped in ``workflows/bpmn`` (file name -> XML text)."""
    files = sorted(directory.glob("*.bpmn")) + sorted(directory.glob("*.dmn"))
    return {path.name: path.read_text(encoding="utf-8") for path in files}


def source_hash(sources: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(sources):
        digest.update(name.encode() + b"\0" + sources[name].encode("utf-8") + b"\0")
    return digest.hexdigest()


def deploy(process_key: str, sources: dict[str, str], actor: Actor = SYSTEM,
           comment: str | None = None) -> ProcessVersion:
    """A new version if the sources differ from the newest one; the newest one otherwise.

    The sources are parsed first (safe XML, SpiffWorkflow's parser): a broken diagram raises and
    nothing is stored.
    """
    engine.parse_sources(process_key, sources)
    digest = source_hash(sources)
    latest = db.session.scalars(ProcessVersion.latest(process_key)).first()
    if latest is not None and latest.source_hash == digest:
        return latest
    version = ProcessVersion(
        process_key=process_key, version=(latest.version + 1) if latest else 1, sources=sources,
        source_hash=digest, comment=comment, deployed_by_id=actor.user_id,
    )
    db.session.add(version)
    db.session.flush()
    audit.record("process_deployed", actor, after={"process_key": process_key, "version": version.version,
                                                  "hash": digest}, comment=comment)
    return version


def deploy_bundled(actor: Actor = SYSTEM) -> list[ProcessVersion]:
    """Deploy the diagrams shipped with the code (idempotent: unchanged sources make no new version).

    Loans running on the post-loan diagram of one timer then move onto the parallel one
    (``workflows.post_loan.upgrade``)."""
    from .post_loan import upgrade  # the post-loan package imports the engine's users; deploy first

    sources = bundled_sources()
    deployed = [deploy(key, sources, actor, comment="随系统发布的流程图") for key in BUNDLED_PROCESSES]
    upgrade.upgrade_running(actor)
    return deployed


def versions(process_key: str) -> list[ProcessVersion]:
    return list(db.session.scalars(
        sa.select(ProcessVersion).where(ProcessVersion.process_key == process_key)
        .order_by(ProcessVersion.version.desc())
    ))
