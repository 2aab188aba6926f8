"""POST /voice/incoming and the hotline's steps: HTTP in, hotline calls, TwiML out."""
import logging

from flask import Blueprint, Response, current_app, request

from runtime.db import get_session
from hotline import callbacks, engine
from hotline.twiml import apology

from .params import checked
from .signature import twilio_signed
from .voice import spoken

bp = Blueprint("hotline", __name__, url_prefix="/voice")
log = logging.getLogger(__name__)


def _twiml(handler, *args, **kwargs) -> Response:
    """Run HANDLER; any error becomes a spoken apology and a hang-up, still HTTP 200."""
    response = spoken(lambda: handler(get_session(), current_app.config, *args, **kwargs),
                      lambda: apology(current_app.config), "hotline")
    return Response(str(response), status=200, mimetype="text/xml")


def _refused() -> Response:
    """Parameters that break the rules: the spoken apology and a hang-up, still HTTP 200."""
    return Response(str(apology(current_app.config)), status=200, mimetype="text/xml")


@bp.post("/incoming")
@twilio_signed
@checked(_refused)
def incoming():
    return _twiml(engine.incoming, request.form, app=current_app._get_current_object())


@bp.post("/hotline")
@twilio_signed
@checked(_refused)
def resume():
    return _twiml(engine.resume, request.form, timeout=request.args.get("timeout") == "1",
                  app=current_app._get_current_object())


@bp.post("/callback/<token>")
@twilio_signed
@checked(_refused)
def callback(token):
    return _twiml(callbacks.callback_twiml, token)


@bp.post("/callback/<token>/answer")
@twilio_signed
@checked(_refused)
def callback_answer(token):
    digits = "" if request.args.get("timeout") == "1" else request.form.get("Digits", "")
    return _twiml(callbacks.callback_answer, token, digits)
