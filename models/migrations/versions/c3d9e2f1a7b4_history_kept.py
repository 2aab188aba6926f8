"""history kept: removed residences leave anonymised deliveries; ids never reused; staff
passwords to change at first sign-in

- deliveries.residence_id becomes nullable, its foreign key ON DELETE SET NULL (was CASCADE);
- on SQLite, residences, campaigns and staff_users are rebuilt with AUTOINCREMENT, their
  sequence set past every id the audit log names (PostgreSQL sequences never go back);
- staff_users.must_change_password.

Revision ID: c3d9e2f1a7b4
Revises: c4d8e2f1a9b3
Create Date: 2026-12-01 14:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c3d9e2f1a7b4'
down_revision = 'c4d8e2f1a9b3'
branch_labels = None
depends_on = None

AUDITED = {"residences": "residence", "campaigns": "campaign", "staff_users": "staff"}
FK = 'fk_deliveries_residence_id_residences'


def _fk(batch_op, ondelete: str) -> None:
    batch_op.drop_constraint(FK, type_='foreignkey')
    batch_op.create_foreign_key(FK, 'residences', ['residence_id'], ['id'], ondelete=ondelete)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default='0'))
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.alter_column('residence_id', existing_type=sa.Integer(), nullable=True)
        _fk(batch_op, 'SET NULL')
    if sqlite:
        # env.py turned foreign keys off for SQLite: dropping the old table cascades nothing
        for table, entity in AUDITED.items():
            with op.batch_alter_table(table, recreate="always",
                                      table_kwargs={"sqlite_autoincrement": True}):
                pass
            op.execute(sa.text(
                "INSERT INTO sqlite_sequence (name, seq) SELECT :table, 0 "
                "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = :table)")
                .bindparams(table=table))
            op.execute(sa.text(
                f"UPDATE sqlite_sequence SET seq = MAX(seq, "  # noqa: S608 (names above)
                f"(SELECT COALESCE(MAX(id), 0) FROM {table}), "
                "(SELECT COALESCE(MAX(CAST(entity_id AS INTEGER)), 0) FROM audit_log "
                " WHERE entity = :entity AND entity_id <> '')) WHERE name = :table")
                .bindparams(table=table, entity=entity))


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for table in AUDITED:
            with op.batch_alter_table(table, recreate="always",
                                      table_kwargs={"sqlite_autoincrement": False}):
                pass
    op.execute(sa.text("DELETE FROM deliveries WHERE residence_id IS NULL"))
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        _fk(batch_op, 'CASCADE')
        batch_op.alter_column('residence_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
