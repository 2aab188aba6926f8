"""The dialer's exceptions."""
from runtime.i18n import t


class CampaignError(Exception):
    """A refused campaign action, explained in French and in English."""

    def __init__(self, message_fr: str, message_en: str):
        super().__init__(message_en)
        self.message_fr, self.message_en = message_fr, message_en

    @classmethod
    def from_key(cls, key: str, **values) -> "CampaignError":
        return cls(t("fr", key, **values), t("en", key, **values))

    def message(self, language: str = "fr") -> str:
        return self.message_en if language == "en" else self.message_fr
