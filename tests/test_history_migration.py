"""The migration that keeps history: rebuilding tables on SQLite loses no row (foreign keys
off while tables are copied), and the new sequences start past every id already used."""

from sqlalchemy import text

from models import make_engine, migrate


def test_upgrading_keeps_every_row_and_never_hands_out_a_used_id(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate.upgrade(url, "7e3a0b5c9d21")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO residences (id, last_name, first_name, language, "
                "civic_number, street, apartment, city, postal_code, active, "
                "password_temporary, registered_via, address_needs_review, "
                "name_needs_review, failed_auth_count, created_at, updated_at) "
                "VALUES (3, 'Côté', '', 'fr', '1', 'rue Racine', '', 'CHICOUTIMI', "
                "'', 1, 0, 'staff', 0, 0, 0, '2026-01-01', '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO phone_numbers (residence_id, e164, position, kind, "
                "description, active, failed_auth_count) "
                "VALUES (3, '+14185550101', 0, 'voice', '', 1, 0)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO campaigns (id, title, message_fr, message_en, priority, "
                "status, target, rounds, retry_delay_s, ring_timeout_s, "
                "leave_voicemail, ask_confirmation, window_start, window_end, "
                "created_by, created_at) VALUES (1, 'Avis', '', '', 'normal', "
                "'completed', '{}', 3, 600, 30, 1, 1, '08:00', '21:00', '', "
                "'2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO deliveries (campaign_id, residence_id, status, confirmed, "
                "round, number_index, updated_at) VALUES (1, 3, 'human', 1, 1, 0, "
                "'2026-01-01')"
            )
        )
        # residence 7 was deleted before the upgrade: only the audit log remembers it
        conn.execute(
            text(
                "INSERT INTO audit_log (at, actor, action, entity, entity_id, "
                "details, count) VALUES ('2026-01-01', 'hotline:x', "
                "'hotline.unregistered', 'residence', '7', '{}', 1)"
            )
        )
    engine.dispose()
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM phone_numbers")).scalar() == 1
        assert conn.execute(text("SELECT residence_id FROM deliveries")).scalar() == 3
        conn.execute(
            text(
                "INSERT INTO residences (last_name, first_name, language, "
                "civic_number, street, apartment, city, postal_code, active, "
                "password_temporary, registered_via, address_needs_review, "
                "name_needs_review, failed_auth_count, created_at, updated_at) "
                "VALUES ('Neuf', '', 'fr', '2', 'rue Price', '', 'JONQUIÈRE', '', 1,"
                " 0, 'staff', 0, 0, 0, '2026-01-02', '2026-01-02')"
            )
        )
        assert conn.execute(text("SELECT max(id) FROM residences")).scalar() == 8
        conn.execute(text("DELETE FROM residences WHERE id = 3"))
        # the delivery outlives its residence (ON DELETE SET NULL), foreign keys back on
        assert conn.execute(text("SELECT residence_id FROM deliveries")).scalar() is None
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
