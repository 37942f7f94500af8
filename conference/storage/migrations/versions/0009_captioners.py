"""captioners: who types live captions for a session, in which language

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "captioner_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=35), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["session_id"], ["programme_session.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "person_id", "language"),
    )
    with op.batch_alter_table("captioner_assignment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_captioner_assignment_session_id"), ["session_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("captioner_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_captioner_assignment_session_id"))
    op.drop_table("captioner_assignment")
