"""One type for everything refused with a reason a person reads: a catalogue key and its values.

A `Refusal` holds no text. The edges (console pages, CLI output, CSV import reports, hotline
prompts) say it in their language with `runtime.i18n.explain(refusal, language)`, which looks
KEY up in runtime/catalogue/fr.py or en.py. A value may itself be a Refusal (an import row
refused for its phone number's reason): it is said in the same language.

The subclasses keep their own `except` clauses working: `models.phone.InvalidPhone`,
`dialer.exceptions.CampaignError`, `ivr.csv_import.RowError`, `ivr.console.targeting.TargetError`.
"""

from typing import Any


class Refusal(ValueError):
    """Something refused: the catalogue KEY of the reason, and the VALUES it names."""

    def __init__(self, key: str, /, **values: Any):
        super().__init__(key)
        self.key = key
        self.values = values

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r}, **{self.values!r})"
