"""POST /voice/incoming and the hotline's steps: HTTP in, hotline calls, TwiML out."""
import logging

from flask import Blueprint, Response, current_app, request

from runtime.db import get_session
from hotline import callbacks, engine
from hotline.twiml import apology

from .params import checked
from .signature import twilio_signed

bp = Blueprint("hotline", __name__, url_prefix="/voice")
log = logging.getLogger(__name__)


def _twiml(handler, *args, **kwargs) -> Response:
    """Run HANDLER; any error becomes a spoken apology and a hang-up, still HTTP 200."""
    session = get_session()
    try:
        response = handler(session, current_app.config, *args, **kwargs)
    except Exception:  # noqa: BLE001 - Twilio must never read its own error to a caller
        log.exception("hotline error on %s (call %s)", request.path, request.form.get("CallSid"))
        try:
            session.rollback()
        except Exception:  # noqa: BLE001 - e.g. the database is gone; the caller still hears us
            log.exception("hotline: rollback failed too")
        response = apology(current_app.config)
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
