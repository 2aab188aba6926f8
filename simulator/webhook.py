"""Signed, form-encoded webhooks from a bounded pool of keep-alive HTTP connections."""
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from urllib.parse import urlencode
from twilio.request_validator import RequestValidator

from . import defaults

log = logging.getLogger(__name__)


class Webhooks:
    """Post (or get) Twilio-style requests, signed for the account's auth token."""

    def __init__(self, auth_token: str, workers: int = defaults.HTTP_WORKERS):
        self.validator = RequestValidator(auth_token)
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sim-http")
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.headers["User-Agent"] = "TwilioProxy/1.1"
        return session

    def signed(self, method: str, url: str, params: dict) -> tuple[str, dict | None, dict]:
        """The URL, body and headers of a request as Twilio would send it."""
        method = (method or "POST").upper()
        if method == "GET":
            sep = "&" if "?" in url else "?"
            full = url + sep + urlencode(params) if params else url
            return full, None, {"X-Twilio-Signature": self.validator.compute_signature(full, {})}
        signature = self.validator.compute_signature(url, params)
        return url, params, {"X-Twilio-Signature": signature}

    def send(self, method: str, url: str, params: dict, on_done=None):
        """Send in the pool; on_done(status_code or None, text or error) runs in the pool."""
        self.pool.submit(self._send, method, url, params, on_done)

    def _send(self, method, url, params, on_done):
        full, body, headers = self.signed(method, url, params)
        try:
            response = self._session().request((method or "POST").upper(), full, data=body,
                                               headers=headers, timeout=defaults.HTTP_TIMEOUT)
            result = (response.status_code, response.content)
        except requests.RequestException as exc:
            log.warning("webhook %s %s failed: %s", method, url, exc)
            result = (None, str(exc))
        if on_done:
            try:
                on_done(*result)
            except Exception:
                log.exception("handling the answer of %s failed", url)

    def close(self):
        self.pool.shutdown(wait=False, cancel_futures=True)
