"""CSV that a spreadsheet opens as data, never as formulas (OWASP's CSV injection advice).

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel and
LibreOffice (`=HYPERLINK(...)` in a resident's name); it is written with a single quote in
front, which the spreadsheet shows as text. Plain numbers (`-3`, `+14185550101`) are left as
they are. Every CSV the project writes goes through `writer`.
"""

import csv
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+([.,]\d+)?")


def cell(value: object) -> object:
    """VALUE as it may go in a CSV cell."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_START)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


class _Writer:
    def __init__(self, stream: "SupportsWrite[str]", **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream: "SupportsWrite[str]", **options: Any) -> _Writer:
    """A csv.writer on STREAM whose every cell is neutralised by `cell`."""
    return _Writer(stream, **options)
