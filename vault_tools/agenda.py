"""What to do next, and by when: thank-yous, the 3B7 follow-ups, interviews to prepare,
referrals to contact and career fields heard from too few people.

``agenda(vault, today)`` returns AgendaItems, most urgent first. Business days skip
weekends and the config's ``holidays``. The 3B7 rule: when a contact has not replied
``try_another_after`` business days (3) after you reached out, try another person at
the same organization; after ``follow_up_after`` business days (7), send the first
person one polite follow-up. Keep one open request per organization at a time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from vault_tools.dates import as_moment, day_of
from vault_tools.links import normalize
from vault_tools.model import Note
from vault_tools.parse import mask_code_and_comments
from vault_tools.referrals import referral_edges
from vault_tools.vault import Vault

__all__ = [
    "FEW_OPINIONS",
    "KINDS",
    "URGENCY",
    "AgendaItem",
    "add_business_days",
    "agenda",
    "business_days_between",
    "contact_of",
    "held_interviews",
    "is_business_day",
    "preparation_missing",
    "thank_you_due",
    "thank_you_late",
]

FEW_OPINIONS = 3
"""Fields with fewer people interviewed than this are flagged: too few to judge by."""

KINDS = (
    "thank-you-overdue",
    "thank-you-due",
    "try-another",
    "follow-up",
    "prepare-interview",
    "contact-referral",
    "few-opinions",
)
"""Every kind of agenda item, most urgent first (the values of ``AgendaItem.kind``)."""

URGENCY: dict[str, int] = {kind: len(KINDS) - index for index, kind in enumerate(KINDS)}
"""Each kind's urgency: higher is more urgent (thank-you-overdue 7 ... few-opinions 1)."""

NOT_YET_CONTACTED = "identified"


# -- business days ------------------------------------------------------------------------


def is_business_day(day: dt.date, holidays: Collection[dt.date] = frozenset()) -> bool:
    """Monday to Friday, and not one of ``holidays``."""
    day = day_of(day)
    return day.weekday() < 5 and day not in holidays


def business_days_between(
    start: dt.date, end: dt.date, holidays: Collection[dt.date] = frozenset()
) -> int:
    """The number of business days after ``start`` up to and including ``end``; 0 when
    ``end`` is not after ``start``."""
    start, end = day_of(start), day_of(end)
    days = (end - start).days
    if days <= 0:
        return 0
    weeks, rest = divmod(days, 7)
    count = weeks * 5 + sum(1 for step in range(1, rest + 1) if (start.weekday() + step) % 7 < 5)
    count -= sum(1 for holiday in set(holidays) if start < holiday <= end and holiday.weekday() < 5)
    return count


def add_business_days(
    start: dt.date, n: int, holidays: Collection[dt.date] = frozenset()
) -> dt.date:
    """The day ``n`` business days after ``start`` (before it when ``n`` is negative);
    ``start`` itself when ``n`` is 0."""
    day = day_of(start)
    step = dt.timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    while remaining:
        day += step
        if is_business_day(day, holidays):
            remaining -= 1
    return day


# -- items ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaItem:
    kind: str
    """One of KINDS."""
    urgency: int
    """Higher is more urgent; see URGENCY."""
    path: str
    """The vault-relative path of the note the item is about (with ``.md``)."""
    title: str
    """Who or what: the person's name, or the career field for ``few-opinions``."""
    message: str
    """What to do, in plain text (no links)."""
    due: dt.date | None
    """When it is (or was) due, if it has a date."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "urgency": self.urgency,
            "path": self.path,
            "title": self.title,
            "message": self.message,
            "due": self.due.isoformat() if self.due is not None else None,
        }

    def sort_key(self) -> tuple[int, int, dt.date, str, str, str]:
        """Most urgent first, then by due date (undated last), then by path."""
        return (
            -self.urgency,
            self.due is None,
            self.due or dt.date.max,
            self.path,
            self.title,
            self.message,
        )


def _item(kind: str, note: Note, title: str, message: str, due: dt.date | None) -> AgendaItem:
    return AgendaItem(kind, URGENCY[kind], note.path, title, message, due)


def agenda(vault: Vault, today: dt.date) -> list[AgendaItem]:
    """Everything the vault says is to do as of ``today``, most urgent first (then by due
    date, then by path). Templates are skipped."""
    interviews = _real(vault.notes_of_type("interview"))
    contacts = _real(vault.notes_of_type("contact"))
    items: list[AgendaItem] = []
    items += _thank_yous(vault, interviews, today)
    items += _follow_ups(vault, contacts, today)
    items += _to_prepare(vault, interviews, today)
    items += _referrals(vault, contacts)
    items += _few_opinions(vault, contacts, interviews, today)
    return sorted(items, key=AgendaItem.sort_key)


def _real(notes: Iterable[Note]) -> list[Note]:
    return sorted((note for note in notes if not note.is_template), key=lambda note: note.id)


# -- shared helpers -----------------------------------------------------------------------


def contact_of(vault: Vault, interview: Note) -> Note | None:
    """The contact note an interview's ``contact`` links to, if it resolves to one."""
    for link in interview.links:
        if link.in_frontmatter and link.key == "contact":
            target = vault.linked_note(link, interview)
            if target is not None and target.note_type == "contact":
                return target
    return None


def held_interviews(vault: Vault, today: dt.date) -> list[tuple[Note, dt.date]]:
    """Interviews dated on or before ``today``, with their date (or datetime), by id."""
    held = []
    for note in _real(vault.notes_of_type("interview")):
        moment = as_moment(note.frontmatter.get("date"))
        if moment is not None and day_of(moment) <= today:
            held.append((note, moment))
    return held


def thank_you_due(held: dt.date, hours: int) -> dt.date:
    """The last day on which a thank-you for an interview held at ``held`` is on time.

    With a time, ``hours`` after it; with a date only, a 24-hour window means the same or
    the next day (as the ``thank-you-overdue`` rule counts it).
    """
    if isinstance(held, dt.datetime):
        return (held + dt.timedelta(hours=hours)).date()
    return held + dt.timedelta(days=max(1, -(-hours // 24)))


def thank_you_late(held: dt.date, sent: dt.date, hours: int) -> bool:
    """Whether a thank-you sent at ``sent`` came after the window (in hours when both
    have a time, else in days, as the ``thank-you-late`` rule counts it)."""
    if isinstance(held, dt.datetime) and isinstance(sent, dt.datetime):
        return sent - held > dt.timedelta(hours=hours)
    return (day_of(sent) - day_of(held)).days > max(1, -(-hours // 24))


def _show(moment: dt.date) -> str:
    if isinstance(moment, dt.datetime):
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.isoformat()


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _names(notes: Iterable[Note]) -> str:
    return ", ".join(note.title for note in notes)


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if isinstance(value, (str, int, float)) else ""


# -- thank-yous ---------------------------------------------------------------------------


def _thank_yous(vault: Vault, interviews: list[Note], today: dt.date) -> list[AgendaItem]:
    hours = vault.config.thank_you_hours
    items = []
    for note in interviews:
        held = as_moment(note.frontmatter.get("date"))
        if held is None or day_of(held) > today:
            continue
        if note.frontmatter.get("thank_you_sent") not in (None, ""):
            continue
        contact = contact_of(vault, note)
        who = contact.title if contact is not None else note.title
        due = thank_you_due(held, hours)
        window_end = held + dt.timedelta(hours=hours) if isinstance(held, dt.datetime) else due
        if today > due:
            late = (today - due).days
            items.append(
                _item(
                    "thank-you-overdue",
                    note,
                    who,
                    f"interviewed {_show(held)}; the thank-you was due by {_show(window_end)} "
                    f"({_plural(late, 'day')} late): send it, then set thank_you_sent",
                    due,
                )
            )
        else:
            if isinstance(held, dt.datetime):
                when = f"by {_show(window_end)}" + (" (today)" if due == today else "")
            else:
                when = "today" if due == today else f"by {_show(window_end)}"
            items.append(
                _item(
                    "thank-you-due",
                    note,
                    who,
                    f"interviewed {_show(held)}; send a thank-you {when}, then set thank_you_sent",
                    due,
                )
            )
    return items


# -- 3B7 follow-ups -----------------------------------------------------------------------


def _follow_ups(vault: Vault, contacts: list[Note], today: dt.date) -> list[AgendaItem]:
    config = vault.config
    by_organization: dict[str, list[Note]] = {}
    for contact in contacts:
        organization = _text(contact.frontmatter.get("organization"))
        if organization:
            by_organization.setdefault(normalize(organization), []).append(contact)
    items = []
    for contact in contacts:
        if contact.frontmatter.get("status") != "contacted":
            continue
        since = as_moment(contact.frontmatter.get("contacted_on")) or as_moment(
            contact.frontmatter.get("last_contact")
        )
        if since is None:
            continue
        waited = business_days_between(since, today, config.holidays)
        if waited < config.try_another_after and waited < config.follow_up_after:
            continue
        organization = _text(contact.frontmatter.get("organization"))
        colleagues = [
            other
            for other in by_organization.get(normalize(organization), [])
            if other.id != contact.id
        ]
        also_open = [c for c in colleagues if c.frontmatter.get("status") == "contacted"]
        open_note = (
            f"{_names(also_open)} at {organization} {'is' if len(also_open) == 1 else 'are'} "
            "also awaiting a reply: keep one open request per organization at a time"
        )
        base = f"contacted {_show(since)}, no reply after {_plural(waited, 'business day')}"
        if waited >= config.follow_up_after:
            kind = "follow-up"
            due = add_business_days(since, config.follow_up_after, config.holidays)
            message = (
                f"{base}: send one polite follow-up, then set status to following-up "
                "(no-response if it stays silent)"
            )
            if also_open:
                message += f"; {open_note}"
        else:
            kind = "try-another"
            due = add_business_days(since, config.try_another_after, config.holidays)
            fresh = [c for c in colleagues if c.frontmatter.get("status") == NOT_YET_CONTACTED]
            if also_open:
                message = f"{base}; {open_note}"
            elif fresh:
                message = (
                    f"{base}: try another person at {organization}, such as {fresh[0].title} "
                    "(not contacted yet)"
                )
            elif organization:
                message = (
                    f"{base}: try another person at {organization} (nobody else there in the "
                    "vault yet)"
                )
            else:
                message = f"{base}: try another person at the same organization"
        items.append(_item(kind, contact, contact.title, message, due))
    return items


# -- interviews to prepare ------------------------------------------------------------------

_ATX = re.compile(r"^[ \t]{0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_LABEL = re.compile(r"^[ \t]{0,3}(?:\*\*|__)(.+?)(?:\*\*|__)[ \t]*$")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+(?:\[.\][ \t]*)?(.*)$")
_RESEARCH = ("prep", "research")
_QUESTIONS = ("question",)
_PROMPTS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        # what `vault-tools new interview` writes before you have done anything
        r"Research on .*: what it does, recent news, how this role fits\.?",
        r"Objectives \(also in .*\):?",
        # the example vault's Obsidian template
        r"Interview: .*",
        r"\*\*The organization:\*\* what they do, recent news, what I read on their website\.",
        r"\*\*The person:\*\* role, background, how we are connected\.",
        r"\*\*My objectives:\*\* two or three things I want to learn\.",
        r"\*\*Logistics:\*\* time, place or link, how long they offered\. Finish on time\.",
    )
)
"""Scaffolding that new notes start with: it is not research yet."""


def preparation_missing(note: Note) -> list[str]:
    """What an interview note still lacks: ``research`` (a non-empty Preparation or
    Research section), ``objectives`` (the field), ``questions`` (a Questions section,
    or a bold ``**Questions...**`` line, with at least one list item)."""
    missing = []
    lines = mask_code_and_comments(note.body).split("\n")
    if not any(_meaningful(line) for line in _sections(lines, _RESEARCH)):
        missing.append("research")
    if not _has_objectives(note.frontmatter.get("objectives")):
        missing.append("objectives")
    if not any(_list_text(line) for line in _sections(lines, _QUESTIONS)):
        missing.append("questions")
    return missing


def _has_objectives(value: Any) -> bool:
    if isinstance(value, list):
        return any(_text(item) for item in value)
    return bool(_text(value))


def _heading_matches(text: str, starts: tuple[str, ...]) -> bool:
    words = re.sub(r"[^0-9a-z]+", " ", text.casefold()).strip()
    return words.startswith(starts)


def _sections(lines: list[str], starts: tuple[str, ...]) -> list[str]:
    """The lines of every section whose heading starts with one of ``starts``: an ATX
    heading's section runs to the next heading of its level or above; a bold label on a
    line of its own (``**Questions to ask.**``) heads the list right below it."""
    found: list[str] = []
    index = 0
    while index < len(lines):
        heading = _ATX.match(lines[index])
        label = _LABEL.match(lines[index])
        index += 1
        if heading and _heading_matches(heading.group(2) or "", starts):
            level = len(heading.group(1))
            while index < len(lines):
                other = _ATX.match(lines[index])
                if other and len(other.group(1)) <= level:
                    break
                found.append(lines[index])
                index += 1
        elif label and _heading_matches(label.group(1), starts):
            while index < len(lines) and not lines[index].strip():
                index += 1
            while index < len(lines) and (
                _LIST_ITEM.match(lines[index]) or lines[index].startswith((" ", "\t"))
            ):
                if lines[index].strip():
                    found.append(lines[index])
                index += 1
    return found


def _list_text(line: str) -> str:
    item = _LIST_ITEM.match(line)
    return item.group(1).strip() if item else ""


def _meaningful(line: str) -> bool:
    if _ATX.match(line):
        return False
    item = _LIST_ITEM.match(line)
    text = " ".join((item.group(1) if item else line).split())
    return bool(text) and not any(prompt.fullmatch(text) for prompt in _PROMPTS)


def _to_prepare(vault: Vault, interviews: list[Note], today: dt.date) -> list[AgendaItem]:
    horizon = today + dt.timedelta(days=vault.config.upcoming_days)
    items = []
    for note in interviews:
        moment = as_moment(note.frontmatter.get("date"))
        if moment is None or not today <= day_of(moment) <= horizon:
            continue
        contact = contact_of(vault, note)
        days = (day_of(moment) - today).days
        when = {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")
        missing = preparation_missing(note)
        state = (
            f"still to prepare: {', '.join(missing)}"
            if missing
            else "research, objectives and questions ready"
        )
        items.append(
            _item(
                "prepare-interview",
                note,
                contact.title if contact is not None else note.title,
                f"interview {_show(moment)} ({when}); {state}",
                day_of(moment),
            )
        )
    return items


# -- referrals ------------------------------------------------------------------------------


def _referrals(vault: Vault, contacts: list[Note]) -> list[AgendaItem]:
    contact_ids = {contact.id for contact in contacts}
    referrers: dict[str, list[str]] = {}
    # Per normalized name: the name as first written, the notes naming it, the referrers.
    pending: dict[str, tuple[str, list[str], list[str]]] = {}
    for edge in referral_edges(vault):
        referrer = None if edge.referrer.pending else vault.notes.get(edge.referrer.id)
        referrer_name = referrer.title if referrer is not None else edge.referrer.id
        if edge.referred.pending:
            name, notes, names = pending.setdefault(
                normalize(edge.referred.id), (edge.referred.id, [], [])
            )
            if edge.note not in notes:
                notes.append(edge.note)
            if referrer_name not in names:
                names.append(referrer_name)
        elif edge.referred.id in contact_ids:
            names = referrers.setdefault(edge.referred.id, [])
            if referrer_name not in names and edge.referrer.id != edge.referred.id:
                names.append(referrer_name)
    items = []
    for contact in contacts:
        names = referrers.get(contact.id, [])
        if names and contact.frontmatter.get("status") == NOT_YET_CONTACTED:
            items.append(
                _item(
                    "contact-referral",
                    contact,
                    contact.title,
                    f"referred by {', '.join(sorted(names))}; not contacted yet",
                    None,
                )
            )
    for name, notes, names in pending.values():
        note = vault.notes[min(notes)]
        items.append(
            _item(
                "contact-referral",
                note,
                name,
                f"named as a referral by {', '.join(sorted(names))}; no contact note yet: "
                f"create one, then reach out",
                None,
            )
        )
    return items


# -- career fields ----------------------------------------------------------------------


def _few_opinions(
    vault: Vault, contacts: list[Note], interviews: list[Note], today: dt.date
) -> list[AgendaItem]:
    interviewed: set[str] = set()
    for note in interviews:
        moment = as_moment(note.frontmatter.get("date"))
        contact = contact_of(vault, note)
        if moment is not None and day_of(moment) <= today and contact is not None:
            interviewed.add(contact.id)
    fields: dict[str, list[Note]] = {}
    for contact in contacts:
        name = _text(contact.frontmatter.get("field"))
        if name:
            fields.setdefault(name, []).append(contact)
    items = []
    for name, people in fields.items():
        heard = [person for person in people if person.id in interviewed]
        if len(heard) >= FEW_OPINIONS:
            continue
        more = FEW_OPINIONS - len(heard)
        if heard:
            people_count = "1 person" if len(heard) == 1 else f"{len(heard)} people"
            said = f"only {people_count} interviewed ({_names(heard)})"
        else:
            said = "nobody interviewed yet"
        items.append(
            _item(
                "few-opinions",
                people[0],
                name,
                f"{said}: talk to at least {more} more before judging the field",
                None,
            )
        )
    return items
