"""The not-ready reasons the agent desktop offers, from the admin-edited list."""

from __future__ import annotations

from callcenter.admin.reasons import active_reasons
from console.auth import db_session
from console.i18n import TEXTS, translate


def desktop_reasons() -> list[dict[str, str]]:
    """Active reasons by position: code and the text shown (label, else the known code's)."""
    with db_session() as session:
        rows = active_reasons(session)
    return [
        {"code": r["code"], "text": r["label"] or (translate(r["code"]) if r["code"] in TEXTS
                                                   else r["code"])}
        for r in rows
    ]  # fmt: skip
