"""What the dialer's benchmarks share: a scratch PostgreSQL database, bulk residences, processes.

BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/dialer_bench, created when
missing) and BENCH_REDIS_URL (default redis://127.0.0.1:6379/2) say where to run.
"""

import os
import socket
import subprocess
import sys
import time

from sqlalchemy import func, insert, select, text

from dialer import campaigns
from models import Delivery, PhoneNumber, Residence, make_engine, migrate
from runtime.db import sessionmaker_for

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/dialer_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/2")
ACCOUNT_SID, AUTH_TOKEN = "AC" + "b" * 32, "bench-auth-token"


def fresh_database(url: str = DATABASE_URL) -> str:
    """An empty, migrated database at URL (created if needed)."""
    if url.startswith("postgresql"):
        base, _, name = url.rpartition("/")
        admin = make_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    migrate.upgrade(url)
    return url


def number(i: int) -> str:
    return f"+1418{5000000 + i}"


def bulk_residences(url: str, count: int, chunk: int = 10_000, kind: str = "voice") -> None:
    """COUNT active residences with one number each (of KIND: voice or sms), in bulk."""
    engine = make_engine(url)
    cities = ["CHICOUTIMI", "JONQUIÈRE", "LA BAIE"]
    with engine.begin() as conn:
        for start in range(0, count, chunk):
            ids = range(start + 1, min(count, start + chunk) + 1)
            conn.execute(
                insert(Residence),
                [
                    {
                        "id": i,
                        "last_name": f"Résident {i}",
                        "first_name": "",
                        "language": "en" if i % 10 == 0 else "fr",
                        "civic_number": str(100 + i % 900),
                        "street": "rue Racine Est",
                        "apartment": "",
                        "city": cities[i % 3],
                        "postal_code": "G7H 1A1",
                        "active": True,
                        "registered_via": "import",
                        "password_temporary": False,
                        "address_needs_review": False,
                        "name_needs_review": False,
                    }
                    for i in ids
                ],
            )
            conn.execute(
                insert(PhoneNumber),
                [
                    {
                        "residence_id": i,
                        "e164": number(i),
                        "position": 0,
                        "kind": kind,
                        "description": "",
                        "active": True,
                        "failed_auth_count": 0,
                    }
                    for i in ids
                ],
            )
        if conn.dialect.name == "postgresql":
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('residences', 'id'), :n)"), {"n": count}
            )
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(public_url: str, api_url: str, **extra) -> dict:
    env = dict(
        os.environ,
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        SECRET_KEY="bench-secret",
        PUBLIC_BASE_URL=public_url,
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_API_BASE_URL=api_url,
        TWILIO_CALLER_ID="+14185550000",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def app_config(public_url: str, api_url: str, **extra) -> dict:
    config = {
        "SKIP_ENVIRON": True,
        "ENV_NAME": "development",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "bench-secret",
        "PUBLIC_BASE_URL": public_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_API_BASE_URL": api_url,
        "TWILIO_CALLER_ID": "+14185550000",
        "WEBHOOK_SIGNATURE_CHECK": True,
        "TIMEZONE": "America/Toronto",
        "VOICE_FR": "Polly.Chantal",
        "VOICE_EN": "Polly.Joanna",
        "DIALER_CPS": 1,
    }
    config.update(extra)
    return config


def start_gunicorn(
    env: dict, port: int, workers: int = 3, threads: int = 8, worker_class: str = "gthread"
) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-k",
            worker_class,
            "--threads",
            str(threads),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "ivr:create_app()",
        ],
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_campaign(app, env: dict, workers: int, **messages) -> dict:
    """One emergency campaign to every residence (MESSAGES: message_fr, sms_fr, ...), run by
    WORKERS `python -m dialer` processes until no delivery is pending; the workers' peak memory
    (MB), CPU seconds and the load average at the end."""
    with sessionmaker_for(app)() as session:
        campaign = campaigns.create_campaign(
            session,
            "bench",
            title="Bench",
            target={"all": True},
            priority="emergency",
            rounds=1,
            **messages,
        )
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "dialer"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    try:
        time.sleep(2)
        campaigns.launch(app, campaign.id, "bench")
        with sessionmaker_for(app)() as session:
            while session.scalar(
                select(func.count()).where(
                    Delivery.campaign_id == campaign.id, Delivery.status == "pending"
                )
            ):
                session.rollback()
                time.sleep(1)
        time.sleep(2)
        return {
            "worker_mb": max(peak_rss_mb(p.pid) for p in procs),
            "worker_cpu": sum(cpu_seconds(p.pid) for p in procs),
            "load": os.getloadavg()[0],
        }
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(20)
