"""Running TwiML verbs on a call: what is said, keys pressed, recordings, dials, redirects."""

import logging
from urllib.parse import urljoin

from . import defaults
from .call import iso, new_sid
from .twiml import TwimlError, loops, parse, say_seconds, seconds_attr, truthy

log = logging.getLogger(__name__)

SPOKEN = {"Say", "Play", "Pause"}

SPEAK = "speak"
"""A key token at a recording prompt: `speak#` says something, then presses #."""


class Interpreter:
    """Executes documents verb by verb on the simulator's clock; one per simulator."""

    def __init__(self, network):
        self.net = network

    # -- documents ------------------------------------------------------------------------
    def fetch(self, call, url: str, method: str = "POST", extra: dict | None = None):
        """Ask the app for the next document (signed), then run it."""
        if call.final:
            return
        if not url or not url.startswith(("http://", "https://")):
            self.net.application_error(call, 11200, f"no absolute URL to fetch: {url!r}", url)
            return
        gen = call.generation
        params = self.net.base_params(call)
        if call.params.get("MachineDetection") and call.answered_by:
            params["AnsweredBy"] = call.answered_by
        params.update(extra or {})
        self.net.sim.webhooks.send(
            method or "POST",
            url,
            params,
            lambda code, text: self.net.clock.run(self._fetched, call, gen, url, code, text),
        )

    def _fetched(self, call, gen, url, code, text):
        if call.final or call.generation != gen:
            return
        if code is None or code >= 400:
            self.net.application_error(call, 11200, f"HTTP retrieval failure ({code or text})", url)
            return
        self.run_text(call, text, url)

    def run_text(self, call, text: str, url: str | None):
        try:
            verbs = parse(text)
        except TwimlError as exc:
            self.net.application_error(call, exc.code, exc.message, url)
            return
        if url:
            call.document_url = url
        if call.direction == "inbound" and call.answered_at is None:
            if verbs and verbs[0].tag == "Reject":
                status = "busy" if verbs[0].get("reason") == "busy" else "no-answer"
                self.net.end(call, status)
                return
            self.net.answer_inbound(call)
        gen = call.generation
        self.sequence(call, verbs, 0, gen, lambda: self.net.end(call, "completed"))

    def after(self, call, gen, sim_seconds: float, fn):
        """fn() later, unless the call ended or its document was replaced meanwhile."""
        self.net.later(sim_seconds, self._guarded, call, gen, fn)

    def _guarded(self, call, gen, fn):
        if not call.final and call.generation == gen:
            fn()

    def sequence(self, call, verbs, i, gen, done):
        """Run verbs[i:], then done()."""
        if call.final or call.generation != gen:
            return
        if i >= len(verbs):
            done()
            return
        verb = verbs[i]
        handler = getattr(self, "verb_" + verb.tag.lower(), None)
        if handler is None:
            call.twiml_errors.append(
                {
                    "code": 12200,
                    "message": f"unsupported verb <{verb.tag}>",
                    "url": call.document_url,
                    "at": iso(self.net.clock_now()),
                }
            )
            handler = self.verb_skip
        handler(call, verb, gen, lambda: self.sequence(call, verbs, i + 1, gen, done))

    def jump(self, call, url, method, extra=None):
        """Leave the running document for the app's answer at url."""
        call.generation += 1
        call.gather = None
        self.fetch(call, url, method, extra)

    def target(self, call, verb) -> str | None:
        action = (verb.get("action") or "").strip()
        base = call.document_url or call.params.get("Url")
        return urljoin(base, action) if action and base else (action or base)

    # -- speech ---------------------------------------------------------------------------
    def say(self, call, text: str, language: str, voice: str, offset: float = 0.0) -> float:
        """Log one utterance starting offset simulated seconds from now; its length."""
        length = say_seconds(text)
        at = self.net.clock_now() + self.net.real(offset)
        call.said.append(
            {
                "text": text.strip(),
                "language": language,
                "voice": voice,
                "at": iso(at),
                "after_beep": self._after_beep(call, at),
            }
        )
        self._speaking(call, at, length)
        return length

    def _speaking(self, call, at, length):
        """Count what the callee hears; a hang-up in the middle takes the rest back."""
        heard = self._heard(call, at, length)
        call.heard_seconds += heard
        call.speech = [s for s in call.speech if s[0] > at]
        call.speech.append((at + self.net.real(length), heard))

    def _after_beep(self, call, at) -> bool:
        return call.greeting_end is not None and at >= call.greeting_end - 1e-9

    def _heard(self, call, at, length) -> float:
        answer = call.spec.get("answer")
        if answer == "fax":
            return 0.0
        if call.greeting_end is None:
            return length
        start = max(0.0, (call.greeting_end - at) / self.net.sim.time_scale)
        return max(0.0, length - start)

    def verb_say(self, call, verb, gen, cont):
        text = verb.text or ""
        language, voice = verb.get("language", "en-US"), verb.get("voice", "man")
        total = 0.0
        for _ in range(loops(verb)):
            total += self.say(call, text, language, voice, total)
        self.after(call, gen, total, cont)

    def verb_play(self, call, verb, gen, cont):
        total = defaults.PLAY_S * loops(verb)
        at = self.net.clock_now()
        call.plays.append(
            {
                "url": (verb.text or "").strip(),
                "at": iso(at),
                "after_beep": self._after_beep(call, at),
            }
        )
        self._speaking(call, at, total)
        self.after(call, gen, total, cont)

    def verb_pause(self, call, verb, gen, cont):
        self.after(call, gen, seconds_attr(verb, "length", 1.0), cont)

    def verb_skip(self, call, verb, gen, cont):
        cont()

    # -- keys -----------------------------------------------------------------------------
    def verb_gather(self, call, verb, gen, cont):
        prompts = [child for child in verb if child.tag in SPOKEN]
        self.sequence(call, prompts, 0, gen, lambda: self.listen(call, verb, gen, cont))

    def listen(self, call, verb, gen, cont):
        """The prompt is over: the callee presses keys, or stays silent."""
        state = {"verb": verb, "gen": gen, "cont": cont, "digits": "", "done": False, "timer": 0}
        token = call.key_tokens.pop(0) if call.key_tokens else None
        if token is None and call.interactive:
            call.gather = state
            self._arm(call, state)
        elif token is None or token == "-":
            self._arm(call, state)
        else:
            self.after(
                call, gen, defaults.KEY_S * len(token), lambda: self.keys_in(call, state, token)
            )

    def _arm(self, call, state):
        """(Re)start the Gather's silence timer."""
        state["timer"] += 1
        timer = state["timer"]
        timeout = seconds_attr(state["verb"], "timeout", 5.0)
        self.after(call, state["gen"], timeout, lambda: self._silence(call, state, timer))

    def keys_in(self, call, state, token: str):
        """Keys pressed during a Gather: finish on numDigits or finishOnKey, else wait."""
        if state["done"]:
            return
        call.keys.append(token)
        verb = state["verb"]
        finish = verb.get("finishOnKey", "#")
        try:
            wanted = int(verb.get("numDigits", "0"))
        except ValueError:
            wanted = 0
        for key in token:
            if finish and key == finish:
                self.submit(call, state, key)
                return
            state["digits"] += key
            if wanted and len(state["digits"]) >= wanted:
                self.submit(call, state, "")
                return
        if call.interactive:
            call.gather = state
        self._arm(call, state)

    def _silence(self, call, state, timer):
        if state["done"] or timer != state["timer"]:
            return
        verb = state["verb"]
        if state["digits"] or truthy(verb.get("actionOnEmptyResult")):
            self.submit(call, state, "")
            return
        state["done"] = True
        call.gather = None
        state["cont"]()

    def submit(self, call, state, finished_on: str):
        state["done"] = True
        call.gather = None
        extra = {"Digits": state["digits"]}
        if finished_on:
            extra["FinishedOnKey"] = finished_on
        verb = state["verb"]
        self.jump(call, self.target(call, verb), verb.get("method", "POST"), extra)

    def press(self, call, token: str):
        """Keys typed on `ivr phone`: into the waiting Gather, or kept for the next one."""
        state = call.gather
        if state is not None and not state["done"]:
            if token == "-":
                state["timer"] += 1
                self._silence(call, state, state["timer"])
            else:
                self.keys_in(call, state, token)
        else:
            call.key_tokens.append(token)

    # -- the rest -------------------------------------------------------------------------
    def verb_redirect(self, call, verb, gen, cont):
        base = call.document_url or call.params.get("Url") or ""
        self.jump(call, urljoin(base, (verb.text or "").strip()), verb.get("method", "POST"))

    def verb_record(self, call, verb, gen, cont):
        """The caller's turn to speak. Tokens: none or `-`: speaks, silence ends it; `speak#`:
        speaks, then presses #; `#` (a finishing key alone): presses it at once, nothing
        recorded, and like Twilio with an empty recording, no request to the action URL: the
        document goes on to its next verb."""
        answer = call.spec.get("answer")
        if answer in ("voicemail", "fax"):
            # a machine leaves nothing: Twilio drops an empty recording and goes on
            self.after(call, gen, seconds_attr(verb, "timeout", 5.0), cont)
            return
        token = call.key_tokens.pop(0) if call.key_tokens else None
        finish = verb.get("finishOnKey", "1234567890*#")
        if token and len(token) == 1 and token in finish:

            def skipped():
                call.keys.append(token)
                cont()

            self.after(call, gen, defaults.KEY_S, skipped)
            return
        if token and token.startswith(SPEAK):
            token = token[len(SPEAK) :]
        speech = min(
            float(call.spec.get("record_s", defaults.RECORD_S)),
            seconds_attr(verb, "maxLength", 3600),
        )
        key = token[0] if token and token != "-" and token[0] in finish else ""
        wait = speech + (defaults.KEY_S if key else seconds_attr(verb, "timeout", 5.0))

        def done():
            sid = new_sid("RE")
            url = f"{self.net.sim.url}/2010-04-01/Accounts/{call.account_sid}/Recordings/{sid}"
            duration = str(int(round(speech)))
            call.recordings.append(
                {
                    "sid": sid,
                    "url": url,
                    "duration": int(duration),
                    "digits": key,
                    "at": iso(self.net.clock_now()),
                }
            )
            if key:
                call.keys.append(key)
            extra = {"RecordingUrl": url, "RecordingDuration": duration, "RecordingSid": sid}
            if key:
                extra["Digits"] = key
            self.jump(call, self.target(call, verb), verb.get("method", "POST"), extra)

        self.after(call, gen, wait, done)

    def verb_dial(self, call, verb, gen, cont):
        number = (verb.text or "").strip()
        for child in verb:
            number = (child.text or "").strip() or number
        spec, _ = self.net.sim.scenario.behaviour(number)
        answer = spec["answer"]
        timeout = seconds_attr(verb, "timeout", 30.0)
        ring = float(spec.get("ring_s", defaults.RING_S.get(answer, 5.0)))
        if answer in ("human", "voicemail", "unknown", "fax") and ring <= timeout:
            status, talk = "completed", float(spec.get("talk_s", defaults.DIAL_TALK_S))
            wait = ring + talk
        elif answer == "busy":
            status, talk, wait = "busy", 0.0, defaults.BUSY_S
        elif answer == "failed":
            status, talk, wait = "failed", 0.0, defaults.FAILED_S
        else:
            status, talk, wait = "no-answer", 0.0, timeout
        dial = {
            "number": number,
            "status": status,
            "duration": int(talk),
            "sid": new_sid("CA"),
            "at": iso(self.net.clock_now()),
        }
        call.dials.append(dial)

        def done():
            if not verb.get("action"):
                cont()
                return
            extra = {
                "DialCallStatus": status,
                "DialCallSid": dial["sid"],
                "DialCallDuration": str(int(talk)),
            }
            self.jump(call, self.target(call, verb), verb.get("method", "POST"), extra)

        self.after(call, gen, wait, done)

    def verb_hangup(self, call, verb, gen, cont):
        self.net.end(call, "completed")

    def verb_reject(self, call, verb, gen, cont):
        self.net.end(call, "completed")
