"""The simulator's HTTP server keeps connections alive as Twilio's edge does, and frames
requests however a client sends them."""

import base64
import http.client
import json

import pytest

from tests.conftest import ACCOUNT_SID, AUTH_TOKEN

AUTH = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()


@pytest.fixture
def connect(simulator):
    """connect() -> a new HTTP connection to the simulator, closed after the test."""
    opened = []

    def make() -> http.client.HTTPConnection:
        opened.append(http.client.HTTPConnection("127.0.0.1", simulator.port, timeout=5))
        return opened[-1]

    yield make
    for conn in opened:
        conn.close()


def test_one_connection_carries_many_requests(simulator, connect):
    conn = connect()
    conn.request("GET", "/sim/stats")
    first = conn.getresponse()
    assert first.status == 200 and json.loads(first.read())["calls"] == 0
    sock = conn.sock
    conn.request(
        "POST",
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json",
        body="To=%2B14185550101&From=%2B14185550000&Twiml=%3CResponse%2F%3E",
        headers={"Authorization": AUTH, "Content-Type": "application/x-www-form-urlencoded"},
    )
    created = conn.getresponse()
    assert created.status == 201 and json.loads(created.read())["sid"].startswith("CA")
    assert conn.sock is sock and not created.will_close  # the same TCP connection


def test_a_chunked_body_is_read_whole(simulator, connect):
    conn = connect()
    body = json.dumps({"default": {"answer": "busy"}}).encode()
    conn.request(
        "PUT",
        "/sim/scenario",
        body=iter([body[:7], body[7:]]),
        headers={"Content-Type": "application/json"},
        encode_chunked=True,
    )
    answer = conn.getresponse()
    assert answer.status == 200, answer.read()
    assert json.loads(answer.read())["default"] == {"answer": "busy"}
    assert simulator.scenario.data["default"] == {"answer": "busy"}


def test_connection_close_is_honoured(simulator, connect):
    conn = connect()
    conn.request("GET", "/sim/stats", headers={"Connection": "close"})
    answer = conn.getresponse()
    assert answer.status == 200 and answer.getheader("Connection") == "close"
    answer.read()
    assert answer.will_close


def test_a_garbled_request_gets_400_and_the_server_lives_on(simulator, connect):
    conn = connect()
    conn.connect()
    conn.sock.sendall(b"NONSENSE\r\n\r\n")
    assert conn.sock.recv(200).startswith(b"HTTP/1.1 400")
    again = connect()
    again.request("GET", "/sim/stats")
    assert again.getresponse().status == 200
