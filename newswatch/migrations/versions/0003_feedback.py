"""feedback and mutes (issue #12: analysts answer back from Slack)

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-01 00:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=300), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("development_id", sa.Integer(), nullable=True),
        sa.Column("detection_id", sa.Integer(), nullable=True),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=True),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("acted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"]),
        sa.ForeignKeyConstraint(["development_id"], ["developments.id"]),
        sa.ForeignKeyConstraint(["detection_id"], ["detections.id"]),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_alert_id"), ["alert_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_article_id"), ["article_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_acted_at"), ["acted_at"], unique=False)

    op.create_table(
        "mutes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("development_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.String(length=200), nullable=True),
        sa.Column("feedback_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["development_id"], ["developments.id"]),
        sa.ForeignKeyConstraint(["feedback_id"], ["feedback.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("mutes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mutes_development_id"), ["development_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_mutes_actor"), ["actor"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mutes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mutes_actor"))
        batch_op.drop_index(batch_op.f("ix_mutes_development_id"))
    op.drop_table("mutes")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_acted_at"))
        batch_op.drop_index(batch_op.f("ix_feedback_article_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_alert_id"))
    op.drop_table("feedback")
