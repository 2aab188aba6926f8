"""Edge tests run RQ jobs inline, like the console's."""

import pytest


@pytest.fixture(autouse=True)
def _rq_sync(app_config):
    app_config["RQ_SYNC"] = True
