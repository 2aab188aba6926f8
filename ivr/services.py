"""Background services that `ivr run` starts beside the web app."""

import logging

from dialer.worker import start_embedded_worker
from runtime import urls
from simulator import start_for_app

log = logging.getLogger(__name__)


def start_services(app, scenario: dict | None = None, time_scale: float = 1.0) -> list:
    """Start the simulator (when no Twilio account is set; playing SCENARIO at TIME_SCALE) and
    an embedded worker, in threads.

    Returns the started services (each has `.stop()`), the simulator first when started.
    """
    services = []
    if app.config.get("USE_SIMULATOR"):
        sim = start_for_app(app, scenario, time_scale)
        services.append(sim)
        log.info(
            "carrier simulator on %s; the hotline %s rings %s",
            sim.url,
            app.config["HOTLINE_NUMBER"],
            urls.incoming(app.config),
        )
    services.append(start_embedded_worker(app))
    log.info("embedded worker started (queues and dialer in this process)")
    return services
