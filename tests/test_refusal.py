"""One refusal type (models/refusal.py) said at the edge: the number's reasons, a campaign's,
an import row's and a targeting field's are catalogue keys with values, and the sentences
people read are the same as before the texts moved into the catalogues."""

import ast
from pathlib import Path

import pytest

from dialer import campaigns
from dialer.campaigns import CampaignError
from ivr.console.targeting import TargetError, parse_postal_prefixes
from ivr.csv_import import RowError
from models.phone import REFUSALS, InvalidPhone, to_e164
from models.refusal import Refusal
from runtime.catalogue import en, fr
from runtime.i18n import explain

ROOT = Path(__file__).resolve().parent.parent

WORDS = {  # what models/phone.py said before its texts moved into the catalogues
    "empty": {"fr": "Inscrivez un numéro de téléphone.", "en": "Enter a telephone number."},
    "characters": {
        "fr": "Le numéro ne peut contenir que des chiffres, des espaces et des tirets.",
        "en": "The number may only contain digits, spaces and dashes.",
    },
    "area_code": {
        "fr": "Inscrivez le numéro avec l'indicatif régional (ex. : 418, 581).",
        "en": "Enter the number with its area code (e.g. 418, 581).",
    },
    "too_long": {
        "fr": "Le numéro a trop de chiffres : 10 chiffres, ou 11 avec le 1 devant.",
        "en": "The number has too many digits: 10 digits, or 11 with a leading 1.",
    },
    "foreign": {
        "fr": "Seuls les numéros nord-américains (indicatif +1) peuvent être inscrits.",
        "en": "Only North American numbers (+1) can be registered.",
    },
    "invalid": {
        "fr": "Ce numéro n'existe pas : vérifiez l'indicatif et les trois chiffres suivants.",
        "en": "This number does not exist: check the area code and the next three digits.",
    },
}
TYPED = {
    "empty": "",
    "characters": "418 698-320O",
    "area_code": "698-3200",
    "too_long": "418 698 32000",
    "foreign": "+33 1 42 68 53 00",
    "invalid": "819 123-4567",
}


@pytest.mark.parametrize("code", REFUSALS)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_numbers_refusal_says_what_it_said_before(code, language):
    with pytest.raises(InvalidPhone) as refused:
        to_e164(TYPED[code])
    assert refused.value.code == code
    assert isinstance(refused.value, Refusal) and isinstance(refused.value, ValueError)
    assert explain(refused.value, language) == WORDS[code][language]


def test_every_refusal_class_is_the_one_type():
    for kind in (InvalidPhone, CampaignError, RowError, TargetError):
        assert issubclass(kind, Refusal), kind


def test_a_refusal_inside_a_refusal_is_said_in_the_same_language():
    row = RowError("phone", column="phone", value="698-3201", reason=InvalidPhone("area_code"))
    assert explain(row, "fr") == (
        "phone « 698-3201 » : Inscrivez le numéro avec l'indicatif régional (ex. : 418, 581)."
    )
    assert explain(row, "en") == (
        "phone '698-3201': Enter the number with its area code (e.g. 418, 581)."
    )


def test_the_cli_import_report_says_the_numbers_reason(runner, session, tmp_path):
    path = tmp_path / "residents.csv"
    path.write_text(
        "last_name,phone,civic_number,street,city\nGagnon,698-3201,5,rue Bagot,La Baie\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["residents", "import", str(path)])
    assert (
        "line 2: phone '698-3201': Enter the number with its area code (e.g. 418, 581)."
        in result.output
    )


def test_a_test_call_to_a_bad_number_is_refused_with_the_numbers_reason(app, session, runner):
    campaign = campaigns.create_campaign(
        session, "t", title="Essai", message_fr="Eau.", target={"all": True}
    )
    with pytest.raises(CampaignError) as refused:
        campaigns.test_call(app, campaign.id, "698-3200")
    assert explain(refused.value, "fr") == WORDS["area_code"]["fr"]
    result = runner.invoke(args=["campaign", "test-call", str(campaign.id), "698-3200"])
    assert result.exit_code != 0
    assert f"{WORDS['area_code']['fr']} / {WORDS['area_code']['en']}" in result.output


def test_a_targeting_refusal_names_its_field_and_says_its_reason():
    with pytest.raises(TargetError) as refused:
        parse_postal_prefixes("G7H, 123")
    assert refused.value.field == "postal_prefixes"
    assert explain(refused.value, "fr") == "« 123 » n'est pas un début de code postal (ex. : G7H)."


def _raised_keys() -> set[str]:
    """Every catalogue key a refusal is built with in the code (string literals)."""
    prefixes = {"CampaignError": "", "Refusal": "", "RowError": "import.", "TargetError": ""}
    keys = set()
    for package in ("ivr", "dialer", "models", "runtime", "hotline", "webhooks"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in prefixes
                ):
                    continue
                args = node.args[1:] if node.func.id == "TargetError" else node.args
                if args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
                    keys.add(prefixes[node.func.id] + args[0].value)
    return keys | {"phone." + code for code in REFUSALS}


def test_every_refusal_is_in_both_catalogues():
    keys = _raised_keys()
    assert len(keys) > 30  # the scan found the refusals
    assert sorted(k for k in keys if k not in fr.MESSAGES) == []
    assert sorted(k for k in keys if k not in en.MESSAGES) == []
