"""Callback handling throughput of the web tier under gunicorn on this machine: signed status
callbacks (`ringing`, then `completed` settling the residence) for BENCH_CALLBACK_CALLS calls,
posted by 16 client threads; gunicorn 3 gthread workers next to 1 sync worker (the baseline)."""

import os
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import insert, select, update
from twilio.request_validator import RequestValidator

from dialer import campaigns
from ivr import create_app
from models import CallAttempt, Delivery
from runtime.db import sessionmaker_for

from . import common


def prepare(app, count: int) -> list[str]:
    """A launched campaign whose COUNT residences each have a call under way; their tokens."""
    with sessionmaker_for(app)() as session:
        campaign = campaigns.create_campaign(
            session, "bench", title="Callbacks", message_fr="Avis", target={"all": True}, rounds=1
        )
    campaigns.launch(app, campaign.id, "bench")
    with sessionmaker_for(app)() as session:
        deliveries = session.execute(select(Delivery.id, Delivery.residence_id)).all()
        tokens = [secrets.token_urlsafe(24) for _ in deliveries]
        session.execute(
            insert(CallAttempt),
            [
                {
                    "delivery_id": d.id,
                    "campaign_id": campaign.id,
                    "to_number": common.number(d.residence_id),
                    "round": 1,
                    "number_index": 0,
                    "token": token,
                    "sid": "CA" + secrets.token_hex(16),
                    "purpose": "alert",
                    "status": "queued",
                    "confirmed": False,
                    "sequence_number": -1,
                }
                for d, token in zip(deliveries, tokens)
            ],
        )
        session.execute(update(Delivery).values(status="in_progress"))
        session.commit()
    return tokens


def hammer(url: str, tokens: list[str]) -> float:
    """Post two signed callbacks per token with 16 threads; requests per second."""
    validator = RequestValidator(common.AUTH_TOKEN)
    local = threading.local()

    def post(token):
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        for seq, status in ((1, "ringing"), (3, "completed")):
            path = f"/voice/status/alert/{token}"
            params = {
                "CallSid": "CA" + token[:32],
                "CallStatus": status,
                "SequenceNumber": str(seq),
                "AnsweredBy": "human",
                "CallDuration": "20",
            }
            signature = validator.compute_signature(url + path, params)
            response = session.post(
                url + path, data=params, headers={"X-Twilio-Signature": signature}, timeout=30
            )
            response.raise_for_status()

    started = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(post, tokens))
    return 2 * len(tokens) / (time.perf_counter() - started)


def main():
    count = int(os.environ.get("BENCH_CALLBACK_CALLS", 2000))
    results = {}
    for label, workers, worker_class in (
        ("1 sync worker", 1, "sync"),
        ("3 gthread workers x 8", 3, "gthread"),
    ):
        common.fresh_database()
        common.bulk_residences(common.DATABASE_URL, count)
        port = common.free_port()
        url = f"http://127.0.0.1:{port}"
        app = create_app(common.app_config(url, "http://127.0.0.1:9"))
        tokens = prepare(app, count)
        web = common.start_gunicorn(
            common.app_env(url, "http://127.0.0.1:9"),
            port,
            workers=workers,
            worker_class=worker_class,
        )
        try:
            results[label] = hammer(url, tokens)
        finally:
            web.terminate()
            web.wait(20)
        app.extensions["db_engine"].dispose()
    base = results["1 sync worker"]
    for label, rate in results.items():
        print(f"gunicorn, {label:<22} {rate:7.0f} callbacks/s ({rate / base:.1f}x)")


if __name__ == "__main__":
    main()
