"""Who referred you to whom, as stated by the notes.

An edge A -> B means A referred you to B. It is stated either by B's
``referred_by`` or by an interview with A that lists B in ``referrals``. A person
named in such a link who has no contact note yet is "pending": the edge keeps the
name as written so that nothing is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vault_tools.links import normalize
from vault_tools.model import Link, Note, quick_init
from vault_tools.vault import Vault

REFERRAL_KEYS = ("referred_by", "referrals")


# quick_init: lint and the index views make these for every referral of the vault.
@quick_init
@dataclass(frozen=True, slots=True)
class Person:
    """One end of a referral: a contact note's id, or a pending name with no note."""

    id: str
    pending: bool = False


@quick_init
@dataclass(frozen=True, slots=True)
class ReferralEdge:
    referrer: Person
    referred: Person
    via: str
    """The field that states it: ``referred_by`` or ``referrals``."""
    note: str
    """The id of the note that states it."""
    link: Link
    date: Any = None
    """The interview's date, for edges stated by an interview."""


def referral_edges(vault: Vault) -> list[ReferralEdge]:
    return [edge for note in vault.notes.values() for edge in note_referral_edges(vault, note)]


def note_referral_edges(vault: Vault, note: Note) -> list[ReferralEdge]:
    """The referral edges ``note`` states (``referral_edges`` is these, note by note)."""
    edges: list[ReferralEdge] = []
    if note.note_type == "contact":
        for link in _links_under(note, "referred_by"):
            referrer = _person(vault, link, note)
            if referrer is not None:
                edges.append(ReferralEdge(referrer, Person(note.id), "referred_by", note.id, link))
    elif note.note_type == "interview":
        contact_links = _links_under(note, "contact")
        contact = _person(vault, contact_links[0], note) if contact_links else None
        if contact is None or contact.pending:
            return edges
        for link in _links_under(note, "referrals"):
            referred = _person(vault, link, note)
            if referred is not None:
                edges.append(
                    ReferralEdge(
                        contact, referred, "referrals", note.id, link, note.frontmatter.get("date")
                    )
                )
    return edges


def _links_under(note: Note, key: str) -> list[Link]:
    return [link for link in note.links if link.in_frontmatter and link.key == key]


def _person(vault: Vault, link: Link, source: Note) -> Person | None:
    """The contact a link names; a pending Person when nothing resolves; None otherwise."""
    resolution = vault.resolve(link, source)
    if resolution.broken:
        # Obsidian does not resolve `[[Alias]]`, and lint says so; the person meant is
        # still clear, so the graph does not invent a pending duplicate of them.
        aliased = [
            n
            for n in vault.notes_by_alias.get(normalize(link.target), [])
            if n.note_type == "contact"
        ]
        if len(aliased) == 1:
            return Person(aliased[0].id)
        return Person(link.target, pending=True)
    target = vault.note_at(resolution.path)
    if target is None or target.note_type != "contact":
        return None
    return Person(target.id)
