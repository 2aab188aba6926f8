"""Named sectors an admin uploaded as GeoJSON (the city's districts, a flood zone): a campaign
targets one by its id (`Campaign.target["sectors"]`, dialer/zones.py)."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Sector(Base):
    __tablename__ = "sectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # a GeoJSON geometry (Polygon or MultiPolygon), WGS 84, [lon, lat], as dialer/zones.py
    # normalised it
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(254), default="")
