"""What residents text back to the city's number: keywords and the rest.

- ARRÊT / ARRET / STOP / UNSUBSCRIBE (and Twilio's other opt-out words STOPALL, CANCEL, END,
  QUIT): that contact's SMS is turned off (never texted again until it opts in), confirmed in
  the resident's language;
- REPRISE / START (and YES, UNSTOP): turned back on, confirmed;
- AIDE / HELP (and INFO): the hotline's number;
- anything else: stored for staff (sms_replies), shown on the campaign that last texted that
  number; no answer.
Keywords are the whole text, in any case, with or without accents, spaces or a final period.
"""

import re
import unicodedata
from collections.abc import Mapping
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AttemptChannel, CallAttempt, PhoneNumber, Residence, SmsReply
from models.phone import display
from runtime.i18n import t

from .settle import opt_out

STOP_WORDS = frozenset({"ARRET", "STOP", "UNSUBSCRIBE", "STOPALL", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"REPRISE", "START", "YES", "UNSTOP"})
HELP_WORDS = frozenset({"AIDE", "HELP", "INFO"})


class Answer(NamedTuple):
    kind: str  # "stop", "start", "help" or "reply"
    text: str | None  # what to text back (None: nothing)


def keyword(body: str) -> str:
    """The text as a keyword: accents off, upper case, spaces and final punctuation off."""
    plain = "".join(
        c for c in unicodedata.normalize("NFD", body or "") if not unicodedata.combining(c)
    )
    return re.sub(r"[\s.!]+", "", plain).upper()


def handle(
    session: Session, config: Mapping[str, Any], from_number: str, body: str, message_sid: str
) -> Answer:
    """Apply one inbound text (idempotent per MessageSid for stored replies); not committed."""
    word = keyword(body)
    language = (
        session.scalar(
            select(Residence.language)
            .join(PhoneNumber, PhoneNumber.residence_id == Residence.id)
            .where(PhoneNumber.e164 == from_number)
        )
        or "fr"
    )
    if word in STOP_WORDS:
        opt_out(session, from_number, out=True)
        return Answer(
            "stop", t(language, "sms.reply.stopped", hotline=display(config["HOTLINE_NUMBER"]))
        )
    if word in START_WORDS:
        opt_out(session, from_number, out=False)
        return Answer("start", t(language, "sms.reply.started"))
    if word in HELP_WORDS:
        return Answer(
            "help", t(language, "sms.reply.help", hotline=display(config["HOTLINE_NUMBER"]))
        )
    if session.scalar(select(SmsReply.id).where(SmsReply.message_sid == message_sid)) is None:
        residence_id = session.scalar(
            select(PhoneNumber.residence_id).where(PhoneNumber.e164 == from_number)
        )
        campaign_id = session.scalar(
            select(CallAttempt.campaign_id)
            .where(
                CallAttempt.to_number == from_number,
                CallAttempt.channel == AttemptChannel.SMS.value,
                CallAttempt.campaign_id.is_not(None),
            )
            .order_by(CallAttempt.id.desc())
            .limit(1)
        )
        session.add(
            SmsReply(
                message_sid=message_sid,
                from_number=from_number,
                body=body[:1600],
                residence_id=residence_id,
                campaign_id=campaign_id,
            )
        )
    return Answer("reply", None)


def replies_of(session: Session, campaign_id: int, limit: int = 200) -> list[SmsReply]:
    """The texts residents sent back after this campaign's texts, newest first."""
    return list(
        session.scalars(
            select(SmsReply)
            .where(SmsReply.campaign_id == campaign_id)
            .order_by(SmsReply.id.desc())
            .limit(limit)
        )
    )
