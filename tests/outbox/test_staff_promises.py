"""Staff imports and test calls asked for while Redis is down: the staff is told they are
queued (no error page), and they happen once Redis is back."""

import io
import time
from html import unescape

import pytest
from sqlalchemy import select

from dialer.worker import start_embedded_worker
from models import OutboxJob, Residence
from runtime.db import sessionmaker_for
from tests.console.test_campaigns import VALID
from tests.console.test_residents import CSV
from tests.fixtures.console import add_residence, add_staff, post_form, sign_in
from tests.fixtures.outage import wait_for


def promises(app) -> list[OutboxJob]:
    with sessionmaker_for(app)() as session:
        return list(session.scalars(select(OutboxJob).order_by(OutboxJob.id)))


@pytest.fixture
def worker():
    started = []
    yield lambda app: started.append(start_embedded_worker(app))
    for w in started:
        w.stop()


def test_an_import_sent_while_redis_is_down_is_queued_then_done(app, admin, redis_switch, worker):
    redis_switch.down()
    answer = post_form(
        admin,
        "/staff/residents/import",
        {"file": (io.BytesIO(CSV.encode()), "residents.csv")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    page = admin.get(answer.location)
    assert page.status_code == 200 and "residents.csv" in page.text
    assert "En file d'attente" in unescape(page.text)
    assert admin.get(answer.location + ".json").json["state"] == "queued"
    [promise] = promises(app)
    assert promise.func == "ivr.console.imports.run_import_job" and promise.state == "pending"
    redis_switch.up()
    worker(app)
    assert wait_for(lambda: admin.get(answer.location + ".json").json["state"] == "finished")
    state = admin.get(answer.location + ".json").json
    assert state["accepted"] == 2 and [line for line, _ in state["refused"]] == [3, 5]
    with sessionmaker_for(app)() as session:
        assert len(session.scalars(select(Residence)).all()) == 2
    # the job's report is written before the outbox marks its promise kept
    assert wait_for(lambda: promises(app)[0].state == "done")


def test_a_test_call_asked_while_redis_is_down_is_placed_once_it_is_back(
    app_config, stack, redis_switch, worker
):
    app = stack.live.app
    add_residence(app, "Tremblay", ["+14185550101"])
    client = app.test_client()
    add_staff(app, "op@saguenay.ca", phone="+14185550199")
    sign_in(client, "op@saguenay.ca")
    campaign_id = post_form(client, "/staff/campaigns/new", VALID).location.rsplit("/", 1)[1]
    url = f"/staff/campaigns/{campaign_id}"
    redis_switch.down()
    answer = post_form(
        client,
        url + "/test-call",
        {"number": "418 555-0199", "language": "fr"},
        page=url,
        follow_redirects=True,
    )
    assert answer.status_code == 200
    assert "Appel d'essai au 418 555-0199 en attente" in unescape(answer.text)
    redis_switch.up()
    worker(app)
    assert wait_for(lambda: [c for c in stack.sim.calls() if c.get("to") == "+14185550199"])
    assert wait_for(lambda: promises(app)[0].state == "done")
    time.sleep(1)  # later relay passes call no one again
    stack.sim.wait_idle(20)
    (call,) = [c for c in stack.sim.calls() if c.get("to") == "+14185550199"]
    assert "Faites bouillir l'eau." in str(call)
