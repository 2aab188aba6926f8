"""Redis outages on demand: the in-process fakeredis is disconnected; a real Redis is reached
through a TCP proxy that the test cuts and restores. Quick relays and backoffs."""

import pytest

from tests.conftest import EXTERNAL_REDIS
from tests.fixtures.outage import RedisSwitch


@pytest.fixture(autouse=True)
def redis_switch(app_config, request):
    """Before the app exists: a real Redis is reached through a proxy the test can cut."""
    switch = RedisSwitch(EXTERNAL_REDIS, request.node)
    if switch.url:
        app_config["REDIS_URL"] = switch.url
    app_config.update(
        OUTBOX_RELAY_INTERVAL_S=0.05, OUTBOX_BACKOFF_MAX_S=0.2, OUTBOX_REHAND_AFTER_S=0.3
    )
    yield switch
    switch.close()
