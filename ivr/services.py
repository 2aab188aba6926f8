"""Background services that `ivr run` starts beside the web app."""
import logging

log = logging.getLogger(__name__)


def start_services(app) -> None:
    """Start the simulator (no Twilio account) and an embedded worker, in threads."""
    if app.config.get("USE_SIMULATOR"):
        log.info("carrier simulator: not built yet (issue 3)")
    log.info("embedded worker: not built yet (issue 5)")
