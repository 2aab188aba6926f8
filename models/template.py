"""Campaign templates (issue 15): the common alerts a new campaign can start from, kept as
records that admins change, add to, retire and delete. The four built-in ones are seeded by the
migration that creates the table (BUILTINS below).

Placeholders: a template's texts may hold `{secteur}` (or `{sector}`) for the affected sector
and `{date}` for today's date; they are filled when the texts become a campaign's. No other
brace is allowed (check_placeholders says which ones are not).
"""

import re
from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

PLACEHOLDERS = ("secteur", "sector", "date")
SECTOR_PLACEHOLDERS = ("secteur", "sector")
MAX_NAME_LENGTH = 200  # a campaign's title

_TOKEN = re.compile(r"\{([^{}]*)\}")


class CampaignTemplate(Base):
    __tablename__ = "campaign_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    # the built-in template's slug (boil_water ...); None for the ones staff added
    key: Mapped[str | None] = mapped_column(String(40), unique=True)
    name_fr: Mapped[str] = mapped_column(String(MAX_NAME_LENGTH))
    name_en: Mapped[str] = mapped_column(String(MAX_NAME_LENGTH))
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    message_fr: Mapped[str] = mapped_column(Text, default="")
    message_en: Mapped[str] = mapped_column(Text, default="")
    sms_fr: Mapped[str] = mapped_column(Text, default="")
    sms_en: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # False: retired, not offered
    position: Mapped[int] = mapped_column(Integer, default=0)
    updated_by: Mapped[str] = mapped_column(String(254), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name_fr


def unknown_placeholders(text: str) -> list[str]:
    """The braces of TEXT that are not one of PLACEHOLDERS: '{secteur}' is fine, '{ville}',
    '{}' or a lone '{' are returned as written (the first 40 characters of each)."""
    unknown = [
        match.group(0)[:40]
        for match in _TOKEN.finditer(text or "")
        if match.group(1) not in PLACEHOLDERS
    ]
    rest = _TOKEN.sub("", text or "")
    unknown += [brace for brace in ("{", "}") if brace in rest]
    return unknown


def fill(text: str, values: dict[str, str]) -> str:
    """TEXT with each known placeholder given in VALUES replaced (sector under both names);
    the others stay as written."""
    if "sector" in values:
        values = {**values, "secteur": values["sector"]}
    return _TOKEN.sub(
        lambda match: (
            values.get(match.group(1), match.group(0))
            if match.group(1) in PLACEHOLDERS
            else match.group(0)
        ),
        text or "",
    )


# The four built-ins, as the migration seeds them (their words were the catalogues' until
# issue 15).
BUILTINS: tuple[dict[str, str | int], ...] = (
    {
        "key": "boil_water",
        "position": 1,
        "priority": "emergency",
        "name_fr": "Avis d'ébullition de l'eau",
        "name_en": "Boil-water advisory",
        "message_fr": "Avis préventif d'ébullition de l'eau. Jusqu'à nouvel ordre, faites bouillir l'eau du robinet pendant au moins une minute avant de la boire, de préparer les aliments, les boissons ou les glaçons, et de vous brosser les dents. Un appel vous avisera de la levée de l'avis.",  # noqa: E501
        "message_en": "Preventive boil-water advisory. Until further notice, boil tap water for at least one minute before drinking it, preparing food, drinks or ice cubes, and brushing your teeth. A call will tell you when the advisory is lifted.",  # noqa: E501
        "sms_fr": "Ville de Saguenay : avis d'ébullition. Faites bouillir l'eau du robinet 1 minute avant de la boire ou de cuisiner, jusqu'à nouvel ordre.",  # noqa: E501
        "sms_en": "City of Saguenay: boil-water advisory. Boil tap water 1 minute before drinking or cooking with it, until further notice.",  # noqa: E501
    },
    {
        "key": "boil_water_lifted",
        "position": 2,
        "priority": "normal",
        "name_fr": "Levée de l'avis d'ébullition",
        "name_en": "Boil-water advisory lifted",
        "message_fr": "L'avis d'ébullition de l'eau est levé. L'eau du robinet est de nouveau potable. Laissez couler l'eau froide quelques minutes avant de la consommer. Merci de votre collaboration.",  # noqa: E501
        "message_en": "The boil-water advisory is lifted. Tap water is safe to drink again. Let the cold water run for a few minutes before using it. Thank you for your cooperation.",  # noqa: E501
        "sms_fr": "Ville de Saguenay : l'avis d'ébullition est levé. L'eau du robinet est potable. Laissez couler l'eau froide quelques minutes.",  # noqa: E501
        "sms_en": "City of Saguenay: the boil-water advisory is lifted. Tap water is safe to drink. Let cold water run a few minutes.",  # noqa: E501
    },
    {
        "key": "water_interruption",
        "position": 3,
        "priority": "normal",
        "name_fr": "Interruption de l'alimentation en eau",
        "name_en": "Water supply interruption",
        "message_fr": "En raison de travaux sur le réseau d'aqueduc, l'alimentation en eau sera interrompue dans votre secteur. Prévoyez une réserve d'eau. À la remise en service, laissez couler l'eau froide quelques minutes.",  # noqa: E501
        "message_en": "Because of work on the water system, the water supply will be interrupted in your area. Keep a supply of water. When service returns, let the cold water run for a few minutes.",  # noqa: E501
        "sms_fr": "Ville de Saguenay : travaux d'aqueduc, l'eau sera coupée dans votre secteur. Prévoyez une réserve d'eau.",  # noqa: E501
        "sms_en": "City of Saguenay: water main work, water will be cut off in your area. Keep a supply of water.",  # noqa: E501
    },
    {
        "key": "evacuation",
        "position": 4,
        "priority": "emergency",
        "name_fr": "Évacuation",
        "name_en": "Evacuation",
        "message_fr": "Ordre d'évacuation. Pour votre sécurité, quittez immédiatement votre résidence avec vos médicaments et vos documents importants. Suivez les consignes des services d'urgence. Un centre d'accueil est ouvert pour les personnes sinistrées.",  # noqa: E501
        "message_en": "Evacuation order. For your safety, leave your home immediately with your medication and important documents. Follow the instructions of the emergency services. A reception centre is open for people affected.",  # noqa: E501
        "sms_fr": "Ville de Saguenay : ORDRE D'ÉVACUATION. Quittez votre résidence maintenant avec vos médicaments. Suivez les consignes des secours.",  # noqa: E501
        "sms_en": "City of Saguenay: EVACUATION ORDER. Leave your home now with your medication. Follow the emergency services' instructions.",  # noqa: E501
    },
)


def builtin_rows() -> list[dict[str, object]]:
    """BUILTINS as rows of the table (active, not yet changed by anyone)."""
    return [{**row, "active": True, "updated_by": "", "updated_at": utcnow()} for row in BUILTINS]
