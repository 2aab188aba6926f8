"""Every /voice/... URL the app hands Twilio is built in runtime/urls.py and reaches the route
that serves it (a renamed route or a mistyped URL would send Twilio to a 404 mid-call)."""

from urllib.parse import parse_qs, urlsplit

import pytest

from runtime import urls

CONFIG = {"PUBLIC_BASE_URL": "https://alertes.saguenay.example"}


@pytest.mark.parametrize(
    "url, endpoint, query",
    [
        (urls.incoming(CONFIG), "hotline.incoming", {}),
        (urls.hotline_resume(CONFIG), "hotline.resume", {}),
        (urls.hotline_resume(CONFIG, silence=True), "hotline.resume", {"timeout": ["1"]}),
        (urls.callback(CONFIG, "tok.en-1"), "hotline.callback", {}),
        (
            urls.callback_answer(CONFIG, "tok.en-1", silence=True),
            "hotline.callback_answer",
            {"timeout": ["1"]},
        ),
        (urls.alert(CONFIG, "tok_en-2", "en"), "alerts.answer", {"lang": ["en"]}),
        (
            urls.alert_keys(CONFIG, "tok_en-2", "fr", 1, silence=True),
            "alerts.keys",
            {"lang": ["fr"], "silences": ["1"], "timeout": ["true"]},
        ),
        (urls.alert_voicemail(CONFIG, "tok_en-2", "fr"), "alerts.voicemail", {"lang": ["fr"]}),
        (urls.alert_status(CONFIG, "tok_en-2"), "alerts.status", {}),
        (urls.alert_amd(CONFIG, "tok_en-2", "en"), "alerts.amd", {"lang": ["en"]}),
    ],
)
def test_each_url_reaches_its_route(app, url, endpoint, query):
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == CONFIG["PUBLIC_BASE_URL"]
    matched, _args = app.url_map.bind("alertes.saguenay.example").match(parts.path, method="POST")
    assert matched == endpoint
    assert parse_qs(parts.query) == query
