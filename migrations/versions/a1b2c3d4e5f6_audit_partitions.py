"""audit chain per partition with anchors (reserved: no change yet)

Revision ID: a1b2c3d4e5f6
Revises: e9a0b1c2d3e4
Create Date: 2026-11-30 19:40:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = 'a1b2c3d4e5f6'
down_revision = 'e9a0b1c2d3e4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
