"""A registration made on the hotline (through the simulator) reaches the review page, where its
recording plays through the console and an admin approves the typed address."""

from sqlalchemy import select

from models import Residence
from tests.fixtures.console import add_staff, post_form, sign_in
from tests.hotline.test_through_simulator import FULL_REGISTRATION, HOTLINE


def test_review_a_recording_made_on_the_hotline(stack, session):
    sid = stack.sim.place_call("+14185550123", to=HOTLINE, keys=FULL_REGISTRATION)
    assert stack.sim.wait_for_call(sid)["status"] == "completed"
    session.expire_all()
    residence = session.scalar(select(Residence))
    assert residence.address_needs_review and residence.address_recording_url

    app = stack.live.app
    add_staff(app, "admin@saguenay.ca", "admin")
    client = app.test_client()
    sign_in(client, "admin@saguenay.ca")
    assert f"/staff/residents/{residence.id}/review" in client.get("/staff/residents/review").text
    audio = client.get(f"/staff/residents/{residence.id}/recording/address")
    assert audio.status_code == 200 and audio.data[:4] == b"RIFF"
    answer = post_form(
        client,
        f"/staff/residents/{residence.id}/review",
        {
            "last_name": "Bergeron",
            "first_name": "",
            "civic_number": "1234",
            "street": "rue Racine Est",
            "city": "Chicoutimi",
            "postal_code": "G7H 1A1",
        },
    )
    assert answer.status_code == 302
    session.expire_all()
    residence = session.get(Residence, residence.id)
    assert not residence.address_needs_review and residence.street == "rue Racine Est"
