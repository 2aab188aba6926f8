"""How an SMS text is encoded and counted (pure functions; no project imports).

GSM 03.38: a text made only of the GSM-7 basic table's characters (plus its extension table,
each of those costing two septets: an escape and the character) is sent in 7-bit septets:
160 in one segment, else 153 a segment (7 go to the concatenation header). Any other
character (ê, ô, ç, â, î, «, ’, emoji...) makes the whole text UCS-2: 70 UTF-16 units in one
segment, else 67 a segment. A segment never splits an escape pair or a surrogate pair. Each
segment is billed as one message: the cost multiplier is the number of segments.

`to_gsm7` replaces what it can (accents GSM-7 lacks, typographic quotes and dashes, œ) so a
French text fits GSM-7; é, è, à, ù, É and Ç are GSM-7 and kept.
"""

import unicodedata
from typing import NamedTuple

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = "\f^{}\\[~]|€"
_BASIC, _EXTENSION = frozenset(GSM7_BASIC), frozenset(GSM7_EXTENSION)

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67

REPLACEMENTS = {
    "’": "'",
    "‘": "'",
    "‚": "'",
    "´": "'",
    "`": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "«": '"',
    "»": '"',
    "–": "-",
    "—": "-",
    "‑": "-",
    "…": "...",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "œ": "oe",
    "Œ": "OE",
    "•": "-",
    "\t": " ",
}
"""Characters with no GSM-7 form and their replacement (accents are stripped separately)."""


class Count(NamedTuple):
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 units (UCS-2)
    segments: int  # 0 for an empty text
    per_segment: int  # the limit that applies (160 / 153 / 70 / 67)
    remaining: int  # units left in the last segment
    cost_multiplier: int  # billed messages per recipient (= segments)
    not_gsm7: str  # the characters that forced UCS-2, in order, once each


def is_gsm7(text: str) -> bool:
    return all(c in _BASIC or c in _EXTENSION for c in text)


def _units(text: str, gsm: bool) -> list[int]:
    """Each character's cost: 1 or 2 septets; 1 or 2 UTF-16 units."""
    if gsm:
        return [2 if c in _EXTENSION else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def _segments(costs: list[int], single: int, multi: int) -> tuple[int, int]:
    """(segments, units in the last one): greedy, never splitting one character's units."""
    total = sum(costs)
    if total == 0:
        return 0, 0
    if total <= single:
        return 1, total
    count, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            count, used = count + 1, 0
        used += cost
    return count, used


def count(text: str) -> Count:
    """Encoding, segments and cost multiplier of TEXT as the carrier would send it."""
    text = text or ""
    gsm = is_gsm7(text)
    costs = _units(text, gsm)
    single, multi = (GSM7_SINGLE, GSM7_MULTI) if gsm else (UCS2_SINGLE, UCS2_MULTI)
    segments, used = _segments(costs, single, multi)
    limit = single if segments <= 1 else multi
    offending = (
        ""
        if gsm
        else "".join(dict.fromkeys(c for c in text if c not in _BASIC and c not in _EXTENSION))
    )
    return Count(
        "GSM-7" if gsm else "UCS-2",
        sum(costs),
        segments,
        limit,
        max(limit - used, 0),
        segments,
        offending,
    )


def to_gsm7(text: str) -> str:
    """TEXT with the characters GSM-7 lacks replaced (ê → e, « → ", ’ → ', œ → oe...);
    characters with no replacement (emoji) are left, so the text then stays UCS-2."""
    out = []
    for c in text or "":
        if c in _BASIC or c in _EXTENSION:
            out.append(c)
        elif c in REPLACEMENTS:
            out.append(REPLACEMENTS[c])
        else:
            stripped = "".join(
                d for d in unicodedata.normalize("NFD", c) if not unicodedata.combining(d)
            )
            out.append(stripped if stripped and is_gsm7(stripped) else c)
    return "".join(out)
