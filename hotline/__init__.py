"""The hotline: menus as data, the handlers of each step, call state, PIN rules, call-backs.

`webhooks/hotline.py` turns Twilio's requests into calls of `engine.incoming()` and
`engine.resume()`, which return a `VoiceResponse`.
"""

from .engine import incoming, resume
from .menus import MENUS, Menu

__all__ = ["incoming", "resume", "MENUS", "Menu"]
