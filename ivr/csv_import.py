"""Line-by-line CSV imports that report every refused row with its line number and reason."""

import csv
import io
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TextIO

import click

from models.refusal import Refusal
from runtime.i18n import explain, t


class RowError(Refusal):
    """A row that cannot be imported: a catalogue key (`import.` + NAME) and its values.

    A value may itself be a Refusal (a number's InvalidPhone), said in the same language;
    `runtime.i18n.explain(error, language)` gives the sentence.
    """

    def __init__(self, name: str, **values):
        super().__init__("import." + name, **values)


@dataclass
class ImportReport:
    accepted: int = 0
    refused: list[tuple[int, RowError]] = field(default_factory=list)  # (line number, why)

    @property
    def total(self) -> int:
        return self.accepted + len(self.refused)

    def reasons(self, language: str) -> list[tuple[int, str]]:
        """(line, reason) pairs in LANGUAGE."""
        return [(line, explain(error, language)) for line, error in self.refused]

    def lines(self, language: str = "en") -> list[str]:
        return [
            t(language, "import.line", line=line, reason=reason)
            for line, reason in self.reasons(language)
        ]


def delimiter_of(text: str) -> str:
    """The header line's delimiter: the most frequent of ',', ';' (French Excel's CSV) and tab
    (',' on a tie: a header names columns, it holds no quoted commas)."""
    header = text.split("\n", 1)[0]
    return max(",;\t", key=lambda c: (header.count(c), c == ","))


def read_rows(stream: TextIO, required: Iterable[str]) -> tuple[list[tuple[int, dict]], list[str]]:
    """Rows of STREAM as (line number, row) pairs; raises RowError on a bad header."""
    text = stream.read()
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter_of(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise RowError("missing_columns", columns=", ".join(missing))
    reader.fieldnames = header
    rows = []
    for row in reader:
        clean = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if any(clean.values()):
            rows.append((reader.line_num, clean))
    return rows, header


def run_import(
    rows: list[tuple[int, dict]],
    handle_row: Callable[[int, dict], None],
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Call HANDLE_ROW on each row; a RowError refuses that row only. PROGRESS(done, total)."""
    report = ImportReport()
    for done, (line, row) in enumerate(rows, start=1):
        try:
            handle_row(line, row)
            report.accepted += 1
        except RowError as exc:
            report.refused.append((line, exc))
        if progress:
            progress(done, len(rows))
    return report


def import_with_progress_bar(label: str, do_import: Callable) -> ImportReport:
    """Run DO_IMPORT(progress) under a terminal progress bar; print the report."""
    with click.progressbar(length=1, label=label, file=sys.stderr) as bar:

        def progress(done, total):
            bar.length = total
            bar.update(done - bar.pos)

        try:
            report = do_import(progress)
        except RowError as exc:
            raise click.ClickException(explain(exc, "en")) from None
    click.echo(f"{report.accepted} rows imported, {len(report.refused)} rows refused")
    for line in report.lines():
        click.echo("  " + line, err=True)
    return report
