"""registration confirmations: a registration waits for its owner's emailed link

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 02:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import conference.storage.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "registrationconfirmation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("expires_at", conference.storage.types.UTCDateTime(), nullable=False),
        sa.Column("used_at", conference.storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["conference_id"], ["conference.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("registrationconfirmation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registrationconfirmation_conference_id"), ["conference_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_registrationconfirmation_token_hash"), ["token_hash"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("registrationconfirmation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registrationconfirmation_token_hash"))
        batch_op.drop_index(batch_op.f("ix_registrationconfirmation_conference_id"))
    op.drop_table("registrationconfirmation")
