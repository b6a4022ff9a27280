"""SQLAlchemy models. This package imports nothing of the project's other packages."""
from .attachments import Attachment, Comment
from .audit import (COUNTED_DECISIONS, EXTENSION_DECISION, GENESIS_HASH, IS_COUNTED_DECISION, IS_WITHOUT_LOAN,
                    PARTITIONS, RECOVERY_STEPS, AuditAnchor, AuditChainHead, AuditEvent, genesis_hash)
from .base import Base, Digest, Money, Rate, TaskId, UtcDateTime, db, dump_json, utcnow
from .clock import BusinessClock
from .delegation import Delegation
from .household import CATEGORIES, IS_REMOVED, Household
from .loan import (GRADES, IS_OUTSTANDING, LOAN_KINDS, LOAN_STATUSES, NOT_LENT_STATUSES, OPEN_STATUSES,
                   OUTSTANDING_STATUSES, RISK_CLASSES, Loan)
from .loan_history import LoanHistory
from .organisation import ROLES, ApiToken, Bank, Township, User, UserRole, Village
from .policy import LprRate, PolicySetting
from .process import IS_READY, HumanTask, HumanTaskState, ProcessInstance, ProcessVersion, TaskExclusion
from .security import SignInAttempt
from . import credit, drafts, repayment, risk_fund, subsidy  # noqa: F401,E402  (their tables join the metadata)

__all__ = [
    "COUNTED_DECISIONS", "EXTENSION_DECISION", "GENESIS_HASH", "IS_COUNTED_DECISION", "IS_WITHOUT_LOAN", "PARTITIONS",
    "RECOVERY_STEPS",
    "AuditAnchor", "AuditChainHead", "AuditEvent", "genesis_hash",
    "Base", "Digest", "Money", "Rate", "TaskId", "UtcDateTime", "db", "dump_json", "utcnow",
    "CATEGORIES", "IS_REMOVED", "Household", "GRADES", "LOAN_KINDS", "LOAN_STATUSES", "OPEN_STATUSES",
    "NOT_LENT_STATUSES", "OUTSTANDING_STATUSES", "IS_OUTSTANDING", "RISK_CLASSES", "Loan", "ROLES", "ApiToken", "Bank",
    "Township", "User",
    "LoanHistory", "UserRole", "Village", "LprRate", "PolicySetting", "HumanTask", "HumanTaskState", "IS_READY", "ProcessInstance",
    "ProcessVersion", "TaskExclusion", "SignInAttempt", "BusinessClock", "Delegation",
    "Attachment", "Comment",
]
