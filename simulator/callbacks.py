"""Status and AMD callbacks: Twilio's parameters, one call's in order, the scenario's faults."""

import math

from .call import Call, rfc2822


class Callbacks:
    """Part of Network: what a call tells the app about itself."""

    def base_params(self, call: Call) -> dict:
        return {
            "CallSid": call.sid,
            "AccountSid": call.account_sid,
            "From": call.from_,
            "To": call.to,
            "CallStatus": call.status,
            "Direction": call.direction,
            "ApiVersion": "2010-04-01",
            "Caller": call.from_,
            "Called": call.to,
        }

    def status_event(self, call: Call, event: str):
        """A call-progress event, sent when StatusCallback asked for it (completed always)."""
        url = call.params.get("StatusCallback")
        if not url or (event != "completed" and event not in call.events):
            return
        params = self.base_params(call)
        if event == "initiated":
            params["CallStatus"] = "queued"
        params.update(
            {
                "CallbackSource": "call-progress-events",
                "SequenceNumber": str(call.sequence),
                "Timestamp": rfc2822(self.clock_now()),
            }
        )
        call.sequence += 1
        if event == "completed":
            params["CallDuration"] = str(call.duration_s or 0)
            params["Duration"] = str(math.ceil((call.duration_s or 0) / 60))
        if call.params.get("MachineDetection") and call.answered_by:
            params["AnsweredBy"] = call.answered_by
        self.queue_callback(
            call, event, url, call.params.get("StatusCallbackMethod", "POST"), params
        )

    def queue_callback(self, call: Call, event: str, url: str, method: str, params: dict):
        """Send a callback after the call's earlier ones, with the scenario's faults."""
        scenario = self.sim.scenario
        entry = {
            "event": event,
            "sequence": params.get("SequenceNumber"),
            "url": url,
            "fault": None,
            "at": rfc2822(self.clock_now()),
        }
        call.callbacks.append(entry)
        draw = call.rng.random()
        if draw < scenario.drop_rate:
            entry["fault"] = "dropped"
            return
        draw -= scenario.drop_rate
        copies = [(method, url, params)]
        if draw < scenario.duplicate_rate:
            entry["fault"] = "duplicated"
            copies.append((method, url, params))
        elif draw - scenario.duplicate_rate < scenario.reorder_rate and event != "completed":
            entry["fault"] = "reordered"
            call.held = (call.held or []) + copies
            return
        call.outbox.extend(copies)
        if call.held:
            call.outbox.extend(call.held)
            call.held = None
        self._pump(call)

    def _pump(self, call: Call):
        if call.sending or not call.outbox:
            return
        call.sending = True
        method, url, params = call.outbox.popleft()
        self.sim.webhooks.send(
            method, url, params, lambda code, text: self.clock.run(self._sent, call)
        )

    def _sent(self, call: Call):
        call.sending = False
        self._pump(call)
        self.settle(call)
