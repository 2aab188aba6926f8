"""The data: residences and numbers, the address registry, staff, campaigns, calls, audit.

Plain SQLAlchemy 2; nothing here imports Flask, so workers and the CLI use it alone.
"""

from .address import Address
from .audit import AuditEntry, audit
from .base import Base, utcnow
from .campaign import (
    DELIVERY_STATUSES,
    FINAL_CALL_STATUSES,
    FINAL_MESSAGE_STATUSES,
    FINISHED,
    LIVE_CALL_STATUSES,
    MESSAGE_PROGRESS,
    QUEUED_AT_PROVIDER,
    REACHED,
    UNCONFIRMED,
    AttemptStatus,
    CallAttempt,
    Campaign,
    CampaignStatus,
    Delivery,
    Outcome,
    Priority,
    SmsReply,
)
from .campaign import Channel as AttemptChannel
from .heartbeat import WorkerHeartbeat
from .hotline import HotlineCall, OneTimeCode
from .outbox import OutboxJob
from .removal import remove_residence
from .residence import Channel, Language, NumberKind, PhoneNumber, Residence
from .sector import Sector
from .session import make_engine, make_sessionmaker
from .staff import Role, StaffUser
from .template import CampaignTemplate

__all__ = [
    "Address",
    "AuditEntry",
    "audit",
    "Base",
    "utcnow",
    "CallAttempt",
    "Campaign",
    "CampaignStatus",
    "Delivery",
    "Outcome",
    "Priority",
    "HotlineCall",
    "OneTimeCode",
    "OutboxJob",
    "Channel",
    "Language",
    "NumberKind",
    "PhoneNumber",
    "Residence",
    "Sector",
    "make_engine",
    "make_sessionmaker",
    "Role",
    "StaffUser",
    "CampaignTemplate",
    "WorkerHeartbeat",
    "AttemptStatus",
    "REACHED",
    "DELIVERY_STATUSES",
    "FINISHED",
    "FINAL_CALL_STATUSES",
    "QUEUED_AT_PROVIDER",
    "LIVE_CALL_STATUSES",
    "UNCONFIRMED",
    "FINAL_MESSAGE_STATUSES",
    "MESSAGE_PROGRESS",
    "AttemptChannel",
    "SmsReply",
    "remove_residence",
]
