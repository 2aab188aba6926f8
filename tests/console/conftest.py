"""Console tests run RQ jobs inline (the import's progress is still stored in Redis)."""

import pytest


@pytest.fixture(autouse=True)
def _rq_sync(app_config):
    app_config["RQ_SYNC"] = True
