"""The console's navigation by role: which pages a user sees and which one is current."""

from __future__ import annotations

from dataclasses import dataclass

ROLE_RANK = {"agent": 0, "supervisor": 1, "admin": 2}


@dataclass(frozen=True)
class NavItem:
    """One link of the top navigation: its endpoint, label msgid, lowest role, the
    endpoint prefixes of the pages that mark it current, and the highest role shown it."""

    endpoint: str
    label: str
    role: str
    pages: tuple[str, ...]
    up_to: str = "admin"


NAV = (
    NavItem("agent.desktop", "Agent desktop", "agent", ("agent.",)),
    NavItem("tickets.list_page", "Tickets", "agent", ("tickets.",)),
    NavItem("customers.list_page", "Customers", "agent", ("customers.",)),
    NavItem("supervisor.wallboard", "Wallboard", "supervisor", ("supervisor.",)),
    NavItem("queue_board.page", "Queue wallboard", "supervisor", ("queue_board.",)),
    NavItem("reports.index", "Reports", "supervisor", ("reports.",)),
    NavItem("recordings.index", "Recordings", "supervisor", ("recordings.", "calls.")),
    NavItem(
        "admin.users_page",
        "Users",
        "admin",
        ("admin.users_page", "admin.new_user", "admin.edit_user", "admin.unlock_user"),
    ),
    NavItem("flow_editor.list_page", "IVR flows", "admin", ("flow_editor.",)),
    NavItem("admin.flow_problems", "Flow problems", "admin", ("admin.flow_problems",)),
    NavItem("setup.index", "Administration", "supervisor", ("setup.", "audit.", "numbers.")),
    NavItem("quality.to_evaluate", "Quality", "supervisor", ("quality.", "quality_forms.")),
    NavItem("quality_agent.mine", "My evaluations", "agent", ("quality_agent.",), up_to="agent"),
)


def nav_items(role: str | None, endpoint: str | None) -> list[tuple[NavItem, bool]]:
    """The links ``role`` may follow, each with whether ``endpoint`` is one of its pages."""
    rank = ROLE_RANK.get(role or "", -1)
    endpoint = endpoint or ""
    return [
        (item, any(endpoint.startswith(page) for page in item.pages))
        for item in NAV
        if ROLE_RANK[item.role] <= rank <= ROLE_RANK[item.up_to]
    ]
