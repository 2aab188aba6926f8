"""The common alerts a new campaign can start from; their words are in the catalogues."""

from runtime.i18n import t

# key -> priority; title and messages are console.alert.<key>.title / .message in fr and en,
# the short SMS texts console.alert.<key>.sms
ALERTS = {
    "boil_water": "emergency",
    "boil_water_lifted": "normal",
    "water_interruption": "normal",
    "evacuation": "emergency",
}


def alert_templates(page_language: str) -> list[dict]:
    """Each template with its label in the page language and its texts in both languages."""
    return [
        {
            "key": key,
            "label": t(page_language, f"console.alert.{key}.title"),
            "priority": priority,
            "title": t("fr", f"console.alert.{key}.title"),
            "message_fr": t("fr", f"console.alert.{key}.message"),
            "message_en": t("en", f"console.alert.{key}.message"),
            "sms_fr": t("fr", f"console.alert.{key}.sms"),
            "sms_en": t("en", f"console.alert.{key}.sms"),
        }
        for key, priority in ALERTS.items()
    ]
