"""SQLite: timestamps as microseconds since the epoch (8 bytes) instead of 26 characters of text

``models.UtcDateTime`` stores a timestamp on SQLite as an integer, microseconds since 1970-01-01
UTC (``models.base.EpochMicroseconds``); the columns stay declared ``DATETIME``, whose numeric
affinity keeps an integer as it is. A loan taken to disbursement holds about 45 timestamps in its
rows and indexes (its five inbox rows, five audit events and their two time indexes, its instance,
its schedule lines, the loan and the household): 18 bytes saved on each. This turns the text the
app wrote before into integers, reading it as the app did (UTC, the fraction to the microsecond;
text without a fraction is a whole second). PostgreSQL keeps ``timestamptz``: nothing to do there.

Revision ID: d5e6f7a8b9c0
Revises: c4d5e6f7a8b9
Create Date: 2026-12-01 11:20:00
"""
from alembic import op

revision = 'd5e6f7a8b9c0'
down_revision = 'c4d5e6f7a8b9'
branch_labels = None
depends_on = None

# Every timestamp column at this revision (models.UtcDateTime), as written here: later revisions may add more.
COLUMNS = {
    'api_tokens': ('created_at', 'expires_at'), 'audit_anchors': ('created_at',), 'audit_events': ('occurred_at',),
    'business_clock': ('changed_at',), 'credit_campaigns': ('created_at',),
    'credit_designations': ('revoked_at', 'created_at'), 'credit_ratings': ('rated_at', 'approved_at', 'revoked_at'),
    'delegations': ('created_at', 'ended_at'), 'households': ('created_at', 'updated_at'),
    'human_tasks': ('claimed_at', 'created_at', 'due_at', 'completed_at'), 'loan_comments': ('created_at',),
    'loans': ('created_at', 'updated_at'), 'lpr_rates': ('created_at',), 'policy_settings': ('created_at',),
    'process_draft_revisions': ('saved_at',), 'process_drafts': ('created_at', 'updated_at'),
    'process_instances': ('next_timer_at', 'timer_lease_until', 'created_at', 'updated_at'),
    'process_versions': ('deployed_at',), 'repayment_schedule_lines': ('created_at',),
    'repayments': ('created_at', 'reversed_at'), 'risk_fund_entries': ('created_at',),
    'sign_in_attempts': ('occurred_at',), 'subsidy_settlements': ('computed_at', 'created_at'),
    'task_attachments': ('uploaded_at',), 'users': ('locked_until', 'created_at'),
}
TO_INTEGER = ("CAST(strftime('%s', substr({c}, 1, 19)) AS INTEGER) * 1000000"
              " + CAST(substr({c} || '.000000', 21, 6) AS INTEGER)")
TO_TEXT = ("strftime('%Y-%m-%d %H:%M:%S', {c} / 1000000, 'unixepoch') || '.' || printf('%06d', {c} % 1000000)")


def _convert(expression: str, stored_as: str) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table, columns in COLUMNS.items():
        for column in columns:
            op.execute(f'UPDATE {table} SET {column} = {expression.format(c=column)} '
                       f"WHERE typeof({column}) = '{stored_as}'")


def upgrade() -> None:
    _convert(TO_INTEGER, 'text')


def downgrade() -> None:
    _convert(TO_TEXT, 'integer')
