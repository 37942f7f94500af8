"""breakout notes: each breakout room's shared notes, rapporteur and summary

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import conference.storage.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "breakout_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("rapporteur_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("rapporteur_person_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("updated_at", conference.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["rapporteur_person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["session_id"], ["programme_session.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("room_id"),
    )
    with op.batch_alter_table("breakout_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_breakout_notes_session_id"), ["session_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("breakout_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_breakout_notes_session_id"))
    op.drop_table("breakout_notes")
