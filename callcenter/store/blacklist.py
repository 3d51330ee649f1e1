"""Blocked caller numbers: checked by the engine before any IVR flow runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.store.base import Base, utcnow

__all__ = ["BlacklistEntry"]


class BlacklistEntry(Base):
    """A caller number whose calls hear a message and are hung up (disposition ``blocked``).

    ``number`` is matched exactly as FreeSWITCH gives the caller id; ``expires_at`` (UTC)
    ends the block, None blocks for good.
    """

    __tablename__ = "blacklist"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    reason: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"BlacklistEntry(number={self.number!r}, reason={self.reason!r})"
