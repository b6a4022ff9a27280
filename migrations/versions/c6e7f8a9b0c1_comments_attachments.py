"""comments on loans and files on tasks (评论与附件)

Revision ID: c6e7f8a9b0c1
Revises: b4d5e6f7a8b9
Create Date: 2026-11-30 16:10:00

Two new tables, nothing else changes: ``loan_comments`` (a loan's thread; a comment may be a question
on one of its tasks) and ``task_attachments`` (checked JPEG/PNG/PDF files on a task, their bytes in the
attachment storage under their SHA-256). Going down drops both tables; the stored files stay in the
storage (content-addressed, harmless, removable by hand).
"""
from alembic import op
import sqlalchemy as sa

import models.base


revision = 'c6e7f8a9b0c1'
down_revision = 'b4d5e6f7a8b9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'loan_comments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('loan_id', sa.Integer(), nullable=False),
        sa.Column('human_task_id', sa.Integer(), nullable=True),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('body', sa.String(length=2000), nullable=False),
        sa.Column('created_at', models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_loan_comments_author_id_users')),
        sa.ForeignKeyConstraint(['human_task_id'], ['human_tasks.id'],
                                name=op.f('fk_loan_comments_human_task_id_human_tasks')),
        sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_loan_comments_loan_id_loans')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_comments')),
    )
    op.create_index(op.f('ix_loan_comments_loan_id'), 'loan_comments', ['loan_id'], unique=False)
    op.create_index(op.f('ix_loan_comments_human_task_id'), 'loan_comments', ['human_task_id'], unique=False)
    op.create_table(
        'task_attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('human_task_id', sa.Integer(), nullable=False),
        sa.Column('loan_id', sa.Integer(), nullable=True),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content_type', sa.String(length=32), nullable=False),
        sa.Column('file_name', sa.String(length=200), nullable=False),
        sa.Column('size_bytes', sa.Integer(), nullable=False),
        sa.Column('width', sa.Integer(), nullable=True),
        sa.Column('height', sa.Integer(), nullable=True),
        sa.Column('thumbnail_sha256', sa.String(length=64), nullable=True),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
        sa.Column('uploaded_at', models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['human_task_id'], ['human_tasks.id'],
                                name=op.f('fk_task_attachments_human_task_id_human_tasks')),
        sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_task_attachments_loan_id_loans')),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'],
                                name=op.f('fk_task_attachments_uploaded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_task_attachments')),
        sa.UniqueConstraint('human_task_id', 'sha256', name='uq_task_attachments_task_sha256'),
    )
    op.create_index(op.f('ix_task_attachments_human_task_id'), 'task_attachments', ['human_task_id'], unique=False)
    op.create_index(op.f('ix_task_attachments_loan_id'), 'task_attachments', ['loan_id'], unique=False)
    op.create_index(op.f('ix_task_attachments_sha256'), 'task_attachments', ['sha256'], unique=False)


def downgrade():
    op.drop_table('task_attachments')
    op.drop_table('loan_comments')
