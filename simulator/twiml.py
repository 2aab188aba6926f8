"""Reading TwiML documents into verbs, and how long the spoken ones last."""

import xml.etree.ElementTree as ET

from . import defaults

APPLICATION_ERROR = "We are sorry, an application error has occurred. Goodbye."


class TwimlError(ValueError):
    """A document Twilio could not run; `code` is Twilio's error code (12100, 11200...)."""

    def __init__(self, code: int, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def parse(text: str | bytes) -> list[ET.Element]:
    """The verbs of a TwiML document; TwimlError 12100 when it is not a <Response>."""
    try:
        root = ET.fromstring(text.strip())
    except ET.ParseError as exc:
        raise TwimlError(12100, f"Document parse failure: {exc}") from None
    if root.tag != "Response":
        raise TwimlError(
            12100, f"Document parse failure: root element <{root.tag}>, not <Response>"
        )
    return list(root)


def loops(element: ET.Element) -> int:
    """How many times Say/Play repeat (loop="0" means 'many': counted as 10 here)."""
    try:
        n = int(element.get("loop", "1"))
    except ValueError:
        n = 1
    return 10 if n == 0 else max(1, n)


def say_seconds(text: str) -> float:
    return max(0.5, len(text.strip()) / defaults.CHARS_PER_SECOND)


def seconds_attr(element: ET.Element, name: str, default: float) -> float:
    try:
        return float(element.get(name, default))
    except ValueError:
        return default


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"
