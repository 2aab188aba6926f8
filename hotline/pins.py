"""The rules a hotline password (PIN) must follow; the refusal is a catalogue key."""

MIN_LENGTH, MAX_LENGTH = 4, 8


def _is_run(pin: str) -> bool:
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:])}
    return steps in ({1}, {-1})


def refusal(pin: str, phone_digits: str = "") -> str | None:
    """None when PIN is acceptable, else the catalogue key saying why it is refused."""
    if not pin.isdigit() or not MIN_LENGTH <= len(pin) <= MAX_LENGTH:
        return "hotline.pin.length"
    if len(set(pin)) == 1:
        return "hotline.pin.repeated"
    if _is_run(pin):
        return "hotline.pin.sequence"
    if phone_digits and phone_digits.endswith(pin):
        return "hotline.pin.phone"
    return None
