"""auto_caption_booth: booth outputs captioned automatically, per session and language

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from conference.storage.types import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "auto_caption_booth",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=35), nullable=False),
        sa.Column("turned_on_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["programme_session.id"]),
        sa.PrimaryKeyConstraint("session_id", "language"),
    )


def downgrade() -> None:
    op.drop_table("auto_caption_booth")
