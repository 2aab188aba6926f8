"""The municipal address registry the hotline matches against."""

from sqlalchemy import Float, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Address(Base):
    __tablename__ = "addresses"
    __table_args__ = (
        UniqueConstraint("civic_number", "street", "city"),
        # the bounding-box prefilter of a zone (dialer/zones.py)
        Index("ix_addresses_lat_lon", "latitude", "longitude"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    civic_number: Mapped[str] = mapped_column(String(16), index=True)
    street: Mapped[str] = mapped_column(String(160))
    street_key: Mapped[str] = mapped_column(String(160), default="")  # keypad digits of the name
    city: Mapped[str] = mapped_column(String(80))
    postal_code: Mapped[str] = mapped_column(String(7), default="")
    latitude: Mapped[float | None] = mapped_column(Float)  # WGS 84 degrees
    longitude: Mapped[float | None] = mapped_column(Float)
