"""The HTTP endpoints Twilio calls (/voice/...): signature check, then the hotline or the dialer."""
from .signature import twilio_signed

__all__ = ["twilio_signed", "register_blueprints"]


def register_blueprints(app) -> None:
    """Every blueprint of the app: health, hotline, alert calls, and the staff console."""
    from ivr.console import bp as console_bp
    from .alerts import bp as alerts_bp
    from .health import bp as health_bp
    from .hotline import bp as hotline_bp

    for bp in (health_bp, hotline_bp, alerts_bp, console_bp):
        app.register_blueprint(bp)
