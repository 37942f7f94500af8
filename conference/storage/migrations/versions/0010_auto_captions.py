"""auto_captions: sessions whose floor is captioned automatically

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from conference.storage.types import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "auto_captions",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("turned_on_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["programme_session.id"]),
        sa.PrimaryKeyConstraint("session_id"),
    )


def downgrade() -> None:
    op.drop_table("auto_captions")
