"""The simulator's own API: the log of calls and messages, scenario, and a resident's phone."""

import io
import json
import wave

from werkzeug.wrappers import Response

from .defaults import withheld_caller_id


def _json(data, status=200) -> Response:
    return Response(json.dumps(data), status, mimetype="application/json")


def _silence_wav(seconds: float) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(8000)
        wav.writeframes(b"\x80" * int(8000 * seconds))
    return buffer.getvalue()


class Control:
    """Handlers of /sim/...; KeyError (no such call) and ScenarioError become 404 / 400."""

    def __init__(self, sim):
        self.sim = sim

    def sim_calls(self, request):
        return _json(self.sim.calls())

    def sim_call(self, request, sid):
        with self.sim.lock:
            return _json(self.sim.network.calls[sid].record())

    def sim_keys(self, request, sid):
        keys = (
            str((request.get_json(silent=True) or {}).get("keys", "")).strip()
            or request.form.get("keys", "").strip()
        )
        if not keys:
            return _json({"error": 'give keys, e.g. {"keys": "1"} or "-" for silence'}, 400)
        with self.sim.lock:
            call = self.sim.network.calls[sid]
            self.sim.network.interpreter.press(call, keys)
            return _json(call.record())

    def sim_hangup(self, request, sid):
        with self.sim.lock:
            call = self.sim.network.calls[sid]
            self.sim.network.end(call, "completed")
            return _json(call.record())

    def sim_messages(self, request):
        """GET: every message, in and out. POST {"from", "to", "body"}: a resident texts `to`
        (default: the first number with a Messaging webhook); its webhook's replies are sent
        back and returned."""
        if request.method == "POST":
            data = request.get_json(silent=True) or {}
            to = data.get("to") or next(iter(self.sim.sms.incoming), None)
            if not to or not data.get("from") or not isinstance(data.get("body"), str):
                return _json({"error": "give from, body (and to)"}, 400)
            return _json(self.sim.receive_message(data["from"], to, data["body"]), 201)
        return _json(self.sim.messages())

    def sim_scenario(self, request):
        if request.method == "PUT":
            data = request.get_json(silent=True)
            if not isinstance(data, dict):
                return _json({"error": "the scenario must be a JSON object"}, 400)
            self.sim.set_scenario(data)
        return _json(self.sim.scenario.data)

    def sim_incoming(self, request):
        if request.method == "PUT":
            data = request.get_json(silent=True) or {}
            if not data.get("number") or not (data.get("url") or data.get("sms_url")):
                return _json({"error": "give number and url (or sms_url)"}, 400)
            if data.get("url"):
                self.sim.set_incoming_url(
                    data["number"],
                    data["url"],
                    data.get("method", "POST"),
                    data.get("status_callback"),
                )
            if data.get("sms_url"):
                self.sim.set_incoming_sms_url(data["number"], data["sms_url"])
        numbers = {n: {"url": u, "method": m} for n, (u, m) in self.sim.incoming.items()}
        for number, url in self.sim.sms.incoming.items():
            numbers.setdefault(number, {})["sms_url"] = url
        return _json(numbers)

    def sim_phone(self, request):
        data = request.get_json(silent=True) or {}
        to = data.get("to") or next(iter(self.sim.incoming), None)
        from_ = data.get("from") or "+14185559999"
        from_ = withheld_caller_id(from_) or from_
        if not to:
            return _json({"error": "no number to call: give 'to'"}, 400)
        keys = data.get("keys")
        sid = self.sim.place_call(from_, to, keys=keys, interactive=bool(data.get("interactive")))
        return _json({"sid": sid}, 201)

    def sim_stats(self, request):
        return _json(self.sim.stats())

    def sim_recording(self, request, account, sid):
        """A recording's audio (silence of its length), public like Twilio's by default."""
        sid = sid.rsplit(".", 1)[0]
        with self.sim.lock:
            found = [r for c in self.sim.network.order for r in c.recordings if r["sid"] == sid]
        if not found:
            raise KeyError(sid)
        return Response(_silence_wav(min(found[0]["duration"], 60)), mimetype="audio/x-wav")
