"""How each number behaves: a scenario (JSON), reproducible from its seed."""

import hashlib
import random
import threading

from .messages import check_scenario as check_sms

ANSWERS = ("human", "voicemail", "no-answer", "busy", "failed", "fax", "unknown")


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message says which part and why."""


def _fraction(*parts) -> float:
    """A number in [0, 1) that depends only on its parts."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _check_answer(answer, where):
    answers = answer if isinstance(answer, list) else [answer]
    if not answers:
        raise ScenarioError(f"{where}: answer list is empty")
    for a in answers:
        if a not in ANSWERS:
            raise ScenarioError(f"{where}: unknown answer {a!r} (one of {', '.join(ANSWERS)})")


def _check_sms(spec, where):
    try:
        check_sms(spec, where)
    except ValueError as exc:
        raise ScenarioError(str(exc)) from None


def _rate(section, name, where):
    value = section.get(name, 0.0)
    if not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ScenarioError(f"{where}.{name} must be a number between 0 and 1")
    return float(value)


class Scenario:
    """A validated scenario; `behaviour(number)` is what the next call to that number meets."""

    def __init__(self, data: dict | None = None):
        data = dict(data or {})
        if not isinstance(data, dict):
            raise ScenarioError("a scenario is a JSON object")
        self.data = data
        self.seed = data.get("seed", 0)
        self.default = dict(data.get("default") or {"answer": "human"})
        self.default.setdefault("answer", "human")
        _check_answer(self.default["answer"], "default")
        _check_sms(self.default, "default")
        self.mix = dict(data.get("mix") or {})
        for name, weight in self.mix.items():
            _check_answer(name, "mix")
            if not isinstance(weight, (int, float)) or weight < 0:
                raise ScenarioError(f"mix.{name} must be a non-negative number")
        self.numbers = {}
        for number, spec in (data.get("numbers") or {}).items():
            if not isinstance(spec, dict):
                raise ScenarioError(f"numbers.{number} must be an object")
            _check_answer(spec.get("answer", self.default["answer"]), f"numbers.{number}")
            _check_sms(spec, f"numbers.{number}")
            self.numbers[number] = spec
        api = data.get("api") or {}
        self.latency_ms = float(api.get("latency_ms", 0))
        self.max_concurrent_requests = int(api.get("max_concurrent_requests", 100))
        self.error_rate = _rate(api, "error_rate", "api")
        self.timeout_rate = _rate(api, "timeout_rate", "api")
        self.timeout_ms = float(api.get("timeout_ms", 15000))
        callbacks = data.get("callbacks") or {}
        self.duplicate_rate = _rate(callbacks, "duplicate_rate", "callbacks")
        self.reorder_rate = _rate(callbacks, "reorder_rate", "callbacks")
        self.drop_rate = _rate(callbacks, "drop_rate", "callbacks")
        self._turns: dict[str, int] = {}
        self._lock = threading.Lock()
        self._api_rng = random.Random(f"{self.seed}:api")

    def spec(self, number: str) -> dict:
        """The settings for a number: its own, else the mix's pick, else the default."""
        if number in self.numbers:
            return {
                **{k: v for k, v in self.default.items() if k != "answer"},
                **self.numbers[number],
            }
        spec = dict(self.default)
        total = sum(self.mix.values())
        if total > 0:
            point = _fraction(self.seed, number) * total
            for name, weight in self.mix.items():
                point -= weight
                if point < 0:
                    spec["answer"] = name
                    break
        return spec

    def behaviour(self, number: str) -> tuple[dict, int]:
        """The spec for the next call to `number`, its answer resolved, and that call's turn."""
        spec = self.spec(number)
        with self._lock:
            turn = self._turns.get(number, 0)
            self._turns[number] = turn + 1
        answer = spec.get("answer", "human")
        if isinstance(answer, list):
            answer = answer[min(turn, len(answer) - 1)]
        return {**spec, "answer": answer}, turn

    def callback_rng(self, number: str, turn: int) -> random.Random:
        """The random source for one call's callback faults: same number, same turn, same faults."""
        return random.Random(f"{self.seed}:{number}:{turn}:callbacks")

    def api_fault(self) -> str | None:
        """'error', 'timeout' or None for the next API request (reproducible in sequence)."""
        if not (self.error_rate or self.timeout_rate):
            return None
        with self._lock:
            draw = self._api_rng.random()
        if draw < self.error_rate:
            return "error"
        if draw < self.error_rate + self.timeout_rate:
            return "timeout"
        return None
