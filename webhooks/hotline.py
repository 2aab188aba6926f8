"""POST /voice/incoming and the hotline's steps: HTTP in, hotline calls, TwiML out."""

from flask import Blueprint, current_app, request

from hotline import callbacks, engine
from hotline.call import language_of
from hotline.twiml import apology
from runtime.db import get_session

from .params import checked
from .signature import twilio_signed
from .voice import call_language, twiml, xml

bp = Blueprint("hotline", __name__, url_prefix="/voice")


def _apology(error: Exception):
    """Any error: the spoken apology, in the caller's language when the database can tell it."""
    sid = request.form.get("CallSid", "")
    return apology(
        current_app.config, call_language(error, lambda: language_of(get_session(), sid))
    )


def _callback_apology(error: Exception):
    token = (request.view_args or {}).get("token", "")
    return apology(
        current_app.config,
        call_language(
            error, lambda: callbacks.language_of(get_session(), current_app.config, token)
        ),
    )


def _refused():
    """Parameters that break the rules: the spoken apology and a hang-up, still HTTP 200."""
    return xml(apology(current_app.config))


@bp.post("/incoming")
@twilio_signed
@checked(_refused)
@twiml("hotline", _apology)
def incoming():
    return engine.incoming(
        get_session(), current_app.config, request.form, app=current_app._get_current_object()
    )


@bp.post("/hotline")
@twilio_signed
@checked(_refused)
@twiml("hotline", _apology)
def resume():
    return engine.resume(
        get_session(),
        current_app.config,
        request.form,
        timeout=request.args.get("timeout") == "1",
        app=current_app._get_current_object(),
    )


@bp.post("/callback/<token>")
@twilio_signed
@checked(_refused)
@twiml("hotline call-back", _callback_apology)
def callback(token):
    return callbacks.callback_twiml(get_session(), current_app.config, token)


@bp.post("/callback/<token>/answer")
@twilio_signed
@checked(_refused)
@twiml("hotline call-back", _callback_apology)
def callback_answer(token):
    digits = "" if request.args.get("timeout") == "1" else request.form.get("Digits", "")
    return callbacks.callback_answer(get_session(), current_app.config, token, digits)
