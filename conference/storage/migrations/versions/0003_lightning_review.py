"""lightning talk review: the speaker's timezone, when the talk was decided and the speaker told

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-20 23:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import conference.storage.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lightningtalk", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "timezone",
                sqlmodel.sql.sqltypes.AutoString(length=64),
                nullable=False,
                server_default="UTC",
            )
        )
        batch_op.add_column(
            sa.Column("decided_at", conference.storage.types.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("notified_at", conference.storage.types.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("lightningtalk", schema=None) as batch_op:
        batch_op.drop_column("notified_at")
        batch_op.drop_column("decided_at")
        batch_op.drop_column("timezone")
