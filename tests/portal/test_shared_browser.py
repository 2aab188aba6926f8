"""One browser, two sign-ins: the console and the portal share Flask's session cookie, and
signing in on one does not sign the other's user out."""

from tests.fixtures.console import add_staff
from tests.fixtures.console import sign_in as staff_sign_in
from tests.portal.conftest import login, post, signed_up

STAFF = "agent@saguenay.ca"


def _staff_signed_in(client) -> bool:
    return client.get("/staff/campaigns").status_code == 200


def _resident_signed_in(client) -> bool:
    return client.get("/portail/dossier").status_code == 200


def test_a_resident_signing_in_keeps_the_staff_member_of_the_same_browser(app, client, sim):
    signed_up(client, sim)  # the procedure ends signed in; sign out, then the staff signs in
    post(client, "/portail/deconnexion", {}, page="/portail/dossier")
    assert not _resident_signed_in(client)
    add_staff(app, STAFF)
    assert staff_sign_in(client, STAFF).status_code == 302
    assert _staff_signed_in(client)
    assert login(client).status_code == 302
    assert _resident_signed_in(client)
    assert _staff_signed_in(client)


def test_a_staff_member_signing_in_keeps_the_resident_of_the_same_browser(app, client, sim):
    signed_up(client, sim)
    assert _resident_signed_in(client)
    add_staff(app, STAFF)
    assert staff_sign_in(client, STAFF).status_code == 302
    assert _staff_signed_in(client)
    assert _resident_signed_in(client)
