"""The alert call's TwiML, status and AMD callbacks (issue 5)."""
from flask import Blueprint

bp = Blueprint("alerts", __name__, url_prefix="/voice")
