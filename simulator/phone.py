"""`ivr phone`: a resident's phone in a terminal, calling through the simulator's /sim API."""

import shutil
import subprocess
import sys
import threading
import time

import requests

FINAL = {"completed", "busy", "no-answer", "failed", "canceled"}
ESPEAK_VOICES = {"fr": "fr-fr", "en": "en-us"}


def parse_keys(text: str | None) -> list[str] | None:
    """'1 1 4827# -' -> ['1', '1', '4827#', '-']; None stays None (interactive)."""
    if text is None:
        return None
    return text.split()


class Speaker:
    """Says text aloud with espeak-ng when it is installed, one utterance after another."""

    def __init__(self, enabled: bool):
        self.program = shutil.which("espeak-ng") if enabled else None
        self._last = None

    def say(self, text: str, language: str):
        if not self.program:
            return
        if self._last is not None:
            self._last.wait()
        voice = ESPEAK_VOICES.get(language.split("-")[0].lower(), "en-us")
        self._last = subprocess.Popen(
            [self.program, "-v", voice, text], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )


class Phone:
    """One call to `to` from `from_`, printing what is said and sending keys."""

    def __init__(
        self,
        base_url: str,
        echo=print,
        speak: bool = False,
        poll: float = 0.05,
        control_token: str | None = None,
    ):
        self.base = base_url.rstrip("/")
        self.echo = echo
        self.speaker = Speaker(speak)
        self.poll = poll
        self.http = requests.Session()
        if control_token:
            self.http.headers["Authorization"] = f"Bearer {control_token}"

    def call(
        self, from_: str, to: str, keys: list[str] | None = None, timeout: float = 3600
    ) -> dict:
        interactive = keys is None
        response = self.http.post(
            f"{self.base}/sim/phone/calls",
            timeout=10,
            json={"from": from_, "to": to, "keys": keys, "interactive": interactive},
        )
        if response.status_code != 201:
            raise RuntimeError(f"the simulator refused the call: {response.text}")
        sid = response.json()["sid"]
        self.echo(f"Calling {to} from {from_} ({sid})")
        if interactive:
            self.echo("Type keys then Enter when asked (e.g. 1, 4827#); '-' = silence.")
            threading.Thread(target=self._read_keys, args=(sid,), daemon=True).start()
        return self._follow(sid, timeout)

    def text(self, from_: str, to: str, body: str) -> dict:
        """Text BODY to TO from FROM_ (through /sim/messages); prints and returns the replies."""
        response = self.http.post(
            f"{self.base}/sim/messages", timeout=30, json={"from": from_, "to": to, "body": body}
        )
        if response.status_code != 201:
            raise RuntimeError(f"the simulator refused the text: {response.text}")
        result = response.json()
        self.echo(f"Texted {to} from {from_} ({result['message']['sid']}): {body}")
        if result.get("error"):
            self.echo(result["error"])
        for reply in result.get("replies", []):
            self.echo(f"Reply: {reply['body']}")
        if not result.get("replies") and not result.get("error"):
            self.echo("(no reply)")
        return result

    def _read_keys(self, sid):
        for line in sys.stdin:
            keys = line.strip()
            if keys:
                self.http.post(f"{self.base}/sim/calls/{sid}/keys", json={"keys": keys}, timeout=10)

    def _follow(self, sid: str, timeout: float) -> dict:
        shown, asked, deadline = 0, False, time.monotonic() + timeout
        record = {}
        while time.monotonic() < deadline:
            record = self.http.get(f"{self.base}/sim/calls/{sid}", timeout=10).json()
            for said in record["said"][shown:]:
                self.echo(f"[{said['language']}] {said['text']}")
                self.speaker.say(said["text"], said["language"])
            shown = len(record["said"])
            if record["waiting_for_keys"] and not asked:
                self.echo("(your keys, then Enter)")
            asked = record["waiting_for_keys"]
            if record["status"] in FINAL:
                break
            time.sleep(self.poll)
        keys = " ".join(record.get("keys", [])) or "none"
        self.echo(
            f"Call ended: {record.get('status')} after {record.get('duration')} s "
            f"(keys pressed: {keys})"
        )
        return record
