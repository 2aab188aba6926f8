"""No PIN digit sequence in any URL, log line or stored field other than its hash."""

import logging
import re

from sqlalchemy import select

from hotline.callbacks import token_for
from models import Base, HotlineCall, OneTimeCode
from runtime.redis_conn import get_redis
from tests.fixtures.hotline import add_residence

PINS = ("482916", "730418")
HASH_COLUMNS = {"password_hash", "code_hash"}


def stored_values(session):
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)).mappings():
            for column, value in row.items():
                if column not in HASH_COLUMNS and value is not None:
                    yield f"{table.name}.{column}", str(value)


def test_no_pin_in_urls_logs_or_stored_fields(caller, session, app, caplog):
    caplog.set_level(logging.DEBUG)
    phone = caller("+14185550123")
    phone.keys(*("1", "1", "1", "12", "", "REC", "REC"), PINS[0], PINS[0])
    again = caller("+14185550123")
    again.keys(PINS[0], "2", PINS[1], PINS[1], "3")
    add_residence(session, "+14185550188", pin="905172")
    forgot = caller("+14185550188")
    forgot.keys("*")
    code_id = session.scalar(select(OneTimeCode.id))
    heard = caller("+14185550001").post(f"/voice/callback/{token_for(app.config, code_id)}")
    temporary = re.sub(r"\D", "", heard.text.split(" : ")[1].split(".")[0])
    caller("+14185550188").keys(temporary, PINS[1][::-1], PINS[1][::-1])
    secrets = (*PINS, PINS[1][::-1], "905172", temporary)

    urls = [u for c in (phone, again, forgot) for u in c.urls]
    urls += [
        el.get("action") or el.text or ""
        for c in (phone, again, forgot)
        for h in c.heard
        for el in h.xml.iter()
        if el.tag in ("Gather", "Redirect", "Record")
    ]
    redis_dump = b" ".join(get_redis(app).dump(k) or b"" for k in get_redis(app).keys("*"))
    stored = list(stored_values(session))
    assert stored and urls and caplog.records  # the places searched are not empty
    for secret in secrets:
        assert not [u for u in urls if secret in u]
        assert secret not in caplog.text
        assert not [(where, v) for where, v in stored if secret in v]
        assert secret.encode() not in redis_dump


def test_half_entered_pin_is_kept_hashed_in_the_call_state(caller, session):
    phone = caller()
    phone.keys("1", "1", "1", "12", "", "REC", "", PINS[0])
    session.expire_all()
    data = session.get(HotlineCall, phone.sid).data
    assert data["pin_hash"].startswith("$argon2") and PINS[0] not in str(data)
