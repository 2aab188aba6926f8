"""POST /voice/incoming and the hotline's steps (issue 4)."""
from flask import Blueprint

bp = Blueprint("hotline", __name__, url_prefix="/voice")
