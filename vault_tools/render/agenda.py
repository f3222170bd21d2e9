"""`vault-tools agenda` as text for a terminal: one group per kind, one line per item."""

from __future__ import annotations

from collections.abc import Iterable

from vault_tools.agenda import KINDS, AgendaItem
from vault_tools.render.text import one_line

HEADINGS = {
    "thank-you-overdue": "Thank-you notes overdue",
    "thank-you-due": "Thank-you notes due",
    "try-another": "No reply yet: try another person",
    "follow-up": "No reply yet: follow up once",
    "prepare-interview": "Interviews to prepare",
    "contact-referral": "Referrals to contact",
    "few-opinions": "Fields heard from too few people",
}


def agenda_text(items: Iterable[AgendaItem]) -> str:
    """The items grouped by kind (most urgent group first), each line
    ``path: who: what to do``; ``Nothing to do.`` when there is nothing."""
    groups: dict[str, list[AgendaItem]] = {}
    for item in items:
        groups.setdefault(item.kind, []).append(item)
    if not groups:
        return "Nothing to do.\n"
    order = [kind for kind in KINDS if kind in groups] + sorted(set(groups) - set(KINDS))
    blocks = []
    for kind in order:
        lines = [f"{HEADINGS.get(kind, kind)} ({len(groups[kind])})"]
        lines += [
            f"  {one_line(item.path)}: {one_line(item.title)}: {one_line(item.message)}"
            for item in groups[kind]
        ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"
