"""The staff console under /staff (issue 6)."""
from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/staff", template_folder="templates")
