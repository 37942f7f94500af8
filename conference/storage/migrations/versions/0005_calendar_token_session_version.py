"""calendar feeds get their own read-only token; a per-person counter ends old sessions

Each registration gets a fresh ``calendar_token``. Feed URLs made from the registration's
edit token stop working: that token opens and changes the registration, and it is what a
shared calendar subscription leaked. People subscribe again with the link their
registration page now shows (docs/operations.md says so).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 03:00:00
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("calendar_token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
    connection = op.get_bind()
    registration = sa.table("registration", sa.column("id", sa.Integer), sa.column("calendar_token"))
    ids = [row.id for row in connection.execute(sa.select(registration.c.id))]
    for ident in ids:
        connection.execute(
            registration.update()
            .where(registration.c.id == ident)
            .values(calendar_token=secrets.token_urlsafe(32))
        )
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.alter_column(
            "calendar_token", existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False
        )
        batch_op.create_index(
            batch_op.f("ix_registration_calendar_token"), ["calendar_token"], unique=True
        )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("session_version")
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registration_calendar_token"))
        batch_op.drop_column("calendar_token")
