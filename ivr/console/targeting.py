"""Turn what the operator typed in the targeting fields into the dialer's target JSON."""

import io
import re

from dialer.targeting import MAX_CIVIC, parse_uploaded_list
from models.refusal import Refusal

_RANGE = re.compile(r"^(\d+)\s*-\s*(\d+)$", re.ASCII)
_SPLIT = re.compile(r"[,;\n]+")


class TargetError(Refusal):
    """A targeting field that cannot be understood: FIELD and a catalogue KEY with values."""

    def __init__(self, field: str, key: str, **values):
        super().__init__(key, **values)
        self.field = field


def parse_cities(text: str) -> list[str]:
    return [c.strip().upper() for c in (text or "").split(",") if c.strip()]


def parse_postal_prefixes(text: str) -> list[str]:
    prefixes = []
    for raw in _SPLIT.split((text or "").upper()):
        raw = raw.replace(" ", "").strip()
        if not raw:
            continue
        if len(raw) > 6 or not all(
            ch.isalpha() if i % 2 == 0 else ch.isdigit() for i, ch in enumerate(raw)
        ):
            raise TargetError("postal_prefixes", "console.target.bad_prefix", prefix=raw)
        prefixes.append(raw if len(raw) <= 3 else f"{raw[:3]} {raw[3:]}")
    return prefixes


def parse_streets(text: str) -> list[dict]:
    """One street a line: `street, city[, from-to]`, e.g. `rue Racine Est, Chicoutimi, 100-480`."""
    streets = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        parts = [p.strip() for p in line.split(",") if p.strip()]
        if not parts:
            continue
        low = high = None
        if len(parts) > 1 and (m := _RANGE.match(parts[-1])):
            low, high = int(m.group(1)), int(m.group(2))
            parts = parts[:-1]
            if max(low, high) > MAX_CIVIC:
                raise TargetError(
                    "streets", "console.target.range_too_big", line=number, max=MAX_CIVIC
                )
            if low > high:
                raise TargetError("streets", "console.target.bad_range", line=number)
        if len(parts) != 2:
            raise TargetError("streets", "console.target.bad_street", line=number)
        streets.append({"street": parts[0], "city": parts[1].upper(), "from": low, "to": high})
    return streets


def build_target(form) -> tuple[dict, list[tuple[int, str]]]:
    """The target JSON from a CampaignForm, and the uploaded list's refused lines."""
    target = {
        "all": bool(form.target_all.data),
        "cities": parse_cities(form.cities.data),
        "streets": parse_streets(form.streets.data),
        "postal_prefixes": parse_postal_prefixes(form.postal_prefixes.data),
        "residence_ids": [],
    }
    refused = []
    upload = form.upload.data
    if upload and getattr(upload, "filename", ""):
        text = upload.read().decode("utf-8-sig", errors="replace")
        ids, refused = parse_uploaded_list(io.StringIO(text))
        target["residence_ids"] = list(ids)
        if not ids:
            raise TargetError("upload", "console.target.empty_list")
    if not (
        target["all"]
        or target["cities"]
        or target["streets"]
        or target["postal_prefixes"]
        or target["residence_ids"]
    ):
        raise TargetError("cities", "console.target.none")
    return target, refused
