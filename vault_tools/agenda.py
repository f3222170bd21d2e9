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
import operator
import re
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, partial
from operator import itemgetter
from typing import Any, Generic, Protocol, TypeVar

from vault_tools.dates import as_moment, day_of
from vault_tools.links import normalize
from vault_tools.model import Note
from vault_tools.parse import mask_code_and_comments
from vault_tools.referrals import ReferralEdge, referral_edges
from vault_tools.vault import Vault

__all__ = [
    "FEW_OPINIONS",
    "KINDS",
    "SECTIONS",
    "URGENCY",
    "AgendaItem",
    "Groups",
    "Reuse",
    "add_business_days",
    "agenda",
    "agenda_section",
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

SECTIONS = (
    ("thank-you-overdue", "thank-you-due"),
    ("try-another", "follow-up"),
    ("prepare-interview",),
    ("contact-referral",),
    ("few-opinions",),
)
"""The kinds of items that ``agenda_section`` gives a section of the agenda."""
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


Keyed = tuple[tuple[int, int, dt.date, str, str, str], AgendaItem]
"""An item with its ``sort_key``, computed once."""

_T = TypeVar("_T")
_K = TypeVar("_K", bound=Hashable)


@dataclass
class Groups(Generic[_K]):
    """Notes grouped by a key that each note's own content decides (its organization, its
    field...): ``members[key]`` holds a group's notes in order, ``key_of[note id]`` the key
    of the group a note is in (no entry: in none). ``version`` is replaced whenever a
    group changes, so that what was computed from the groups can be keyed by it."""

    members: dict[_K, tuple[Note, ...]] = field(default_factory=dict)
    key_of: dict[str, _K] = field(default_factory=dict)
    version: object = field(default_factory=object)

    @classmethod
    def of(cls, notes: Iterable[Note], key: Callable[[Note], _K | None]) -> Groups[_K]:
        """The groups of ``notes`` (None: in no group), each in the order of ``notes``."""
        lists: dict[_K, list[Note]] = {}
        key_of: dict[str, _K] = {}
        for note in notes:
            group = key(note)
            if group is not None:
                lists.setdefault(group, []).append(note)
                key_of[note.id] = group
        return cls({group: tuple(members) for group, members in lists.items()}, key_of)


class Reuse(Protocol):
    """What ``agenda`` may take from earlier calls on the same vault instead of computing it
    again. ``vault_tools.render.views.ViewCache`` keeps it between the rounds of ``watch``;
    without one, everything is computed afresh. The items are the same either way.

    ``today`` and ``links`` are tokens, replaced when the date, or what link resolution
    depends on (the vault's paths, every note's type and aliases), changes.
    """

    today: object
    links: object

    def memo(
        self, table: str, key: Hashable, depends: tuple[object, ...], compute: Callable[[], _T]
    ) -> _T:
        """``compute()``, or what it returned earlier under ``key`` in ``table`` for the
        very same ``depends`` (compared by identity)."""
        ...

    def groups(
        self, name: str, key: Callable[[Note], _K | None], *, follows_links: bool = False
    ) -> Groups[_K]:
        """The vault's notes grouped by ``key`` (which must depend on the note alone, or
        also on the links when ``follows_links``), each group in order of note id."""
        ...

    def contact_of(self, interview: Note) -> Note | None:
        """``contact_of(vault, interview)``."""
        ...

    def referral_edges(self) -> tuple[list[ReferralEdge], object]:
        """``referral_edges(vault)``, and a token replaced when they change in anything but
        their dates (which the agenda does not read)."""
        ...


class _Fresh:
    """Reuses nothing: what ``agenda`` computes without a cache."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self.today = object()
        self.links = object()

    def memo(
        self, table: str, key: Hashable, depends: tuple[object, ...], compute: Callable[[], _T]
    ) -> _T:
        return compute()

    def groups(
        self, name: str, key: Callable[[Note], _K | None], *, follows_links: bool = False
    ) -> Groups[_K]:
        return Groups.of(self._by_id, key)

    @cached_property
    def _by_id(self) -> list[Note]:
        return sorted(self.vault.notes.values(), key=lambda note: note.id)

    def contact_of(self, interview: Note) -> Note | None:
        return contact_of(self.vault, interview)

    def referral_edges(self) -> tuple[list[ReferralEdge], object]:
        return referral_edges(self.vault), object()


def agenda(vault: Vault, today: dt.date, reuse: Reuse | None = None) -> list[AgendaItem]:
    """Everything the vault says is to do as of ``today``, most urgent first (then by due
    date, then by path). Templates are skipped.

    ``reuse`` (see ``Reuse``) keeps the items of the notes that did not change since an
    earlier call; the result is the same with or without it.
    """
    reuse = reuse if reuse is not None else _Fresh(vault)
    sections = tuple(_keyed_section(vault, today, kinds, reuse) for kinds in SECTIONS)
    return reuse.memo("agenda", None, sections, partial(_by_urgency, sections))


def agenda_section(
    vault: Vault, today: dt.date, kinds: tuple[str, ...], reuse: Reuse | None = None
) -> list[AgendaItem]:
    """The items of ``agenda`` whose kind is one of ``kinds``, one of ``SECTIONS``, in the
    same order. (With ``reuse``, a section that did not change is the same list.)"""
    reuse = reuse if reuse is not None else _Fresh(vault)
    section = _keyed_section(vault, today, kinds, reuse)
    return reuse.memo("agenda section", kinds, (section,), partial(_items_of, section))


def _keyed_section(
    vault: Vault, today: dt.date, kinds: tuple[str, ...], reuse: Reuse
) -> list[Keyed]:
    """The items of the kinds of one of ``SECTIONS``, sorted by ``AgendaItem.sort_key``."""
    if kinds == ("thank-you-overdue", "thank-you-due"):
        return _interview_items(vault, today, reuse)[0]
    if kinds == ("try-another", "follow-up"):
        return _follow_ups(vault, today, reuse)
    if kinds == ("prepare-interview",):
        return _interview_items(vault, today, reuse)[1]
    if kinds == ("contact-referral",):
        return _referrals(vault, reuse)
    if kinds == ("few-opinions",):
        return _few_opinions(vault, today, reuse)
    raise ValueError(f"no section of the agenda holds the kinds {kinds}")


def _by_urgency(sections: Iterable[list[Keyed]]) -> list[AgendaItem]:
    # Stable, as sorted(items, key=AgendaItem.sort_key) is; each section comes sorted,
    # which leaves the sort a few runs to merge. No two items have the same sort key (one
    # item of a kind per note, and per name or field for the others), so the order of
    # the items does not depend on the order in which they were found.
    keyed = [pair for section in sections for pair in section]
    keyed.sort(key=itemgetter(0))
    return [item for _, item in keyed]


def _items_of(section: list[Keyed]) -> list[AgendaItem]:
    """The items of one section, which comes sorted (see ``_keyed_section``)."""
    return [item for _, item in section]


def _merged(reuse: Reuse, name: str, parts: Mapping[Any, list[Keyed]]) -> list[Keyed]:
    """The items of ``parts`` (lists, each sorted by key) in one list sorted by key. With a
    cache, the merge is kept from call to call (see ``_SortedUnion``)."""
    union: _SortedUnion = reuse.memo(f"{name}, merged", None, (), _SortedUnion)
    return union.of(parts)


class _SortedUnion:
    """Lists of keyed items, each sorted, merged into one sorted list that is kept from one
    call to the next: the lists given again (the very same objects) stay where they are,
    and the items of the others are taken out and put in by binary search, instead of
    sorting thousands of items again after a save that changed a few. The result is what
    sorting them all gives, since no two items have the same key (see ``_by_urgency``);
    while two have, the order of the lists decides theirs, and all are sorted each time."""

    def __init__(self) -> None:
        self._parts: dict[Hashable, list[Keyed]] = {}
        self._keys: list[Any] = []
        self._items: list[Keyed] = []
        self._unique = False

    def of(self, parts: Mapping[Any, list[Keyed]]) -> list[Keyed]:
        known = self._parts
        changed = [name for name, part in parts.items() if known.get(name) is not part]
        gone = [name for name in known if name not in parts]
        if (
            not self._unique
            or 4 * (len(changed) + len(gone)) > len(parts) + 4
            or not self._patch(
                [pair for name in [*gone, *changed] for pair in known.get(name, ())],
                [pair for name in changed for pair in parts[name]],
            )
        ):
            items = [pair for part in parts.values() for pair in part]
            items.sort(key=itemgetter(0))
            self._items, self._keys = items, [key for key, _ in items]
            self._unique = all(map(operator.ne, self._keys, self._keys[1:]))
        self._parts = dict(parts)
        return list(self._items)

    def _patch(self, old: list[Keyed], new: list[Keyed]) -> bool:
        """Take ``old`` out and put ``new`` in; False when two keys turn out equal."""
        keys, items = self._keys, self._items
        for pair in old:
            at = bisect_left(keys, pair[0])
            while at < len(items) and items[at] is not pair:
                at += 1
            if at == len(items):
                return False
            del keys[at], items[at]
        for pair in new:
            at = bisect_right(keys, pair[0])
            if at and keys[at - 1] == pair[0]:
                return False
            keys.insert(at, pair[0])
            items.insert(at, pair)
        return True


def _keyed(item: AgendaItem) -> Keyed:
    return (item.sort_key(), item)


def _real_type(note: Note) -> str | None:
    return None if note.is_template else note.note_type


def _real_notes(reuse: Reuse, note_type: str) -> tuple[Note, ...]:
    """The notes of ``note_type`` (templates aside), by id."""
    return reuse.groups("agenda: notes by type", _real_type).members.get(note_type, ())


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


def _interview_bucket(note: Note) -> int | None:
    """One of 64 buckets for an interview, that only the bucket of an interview that changed
    is gone through again."""
    if note.is_template or note.note_type != "interview":
        return None
    return zlib.crc32(note.id.encode("utf-8", "surrogatepass")) % 64


def _interview_items(vault: Vault, today: dt.date, reuse: Reuse) -> tuple[list[Keyed], list[Keyed]]:
    """The thank-yous to send and the interviews to prepare, interview by interview."""
    buckets = reuse.groups("agenda: interviews in buckets", _interview_bucket)

    def bucket(interviews: tuple[Note, ...]) -> tuple[list[Keyed], list[Keyed]]:
        thank_yous: list[Keyed] = []
        to_prepare: list[Keyed] = []
        for note in interviews:
            thank_you, prepare = reuse.memo(
                "agenda: interview",
                note.id,
                (note, reuse.today, reuse.links),
                partial(_interview, vault, note, today, reuse),
            )
            thank_yous += thank_you
            to_prepare += prepare
        return thank_yous, to_prepare

    def every() -> tuple[list[Keyed], list[Keyed]]:
        parts = {
            number: reuse.memo(
                "agenda: interviews in bucket",
                number,
                (interviews, reuse.today, reuse.links),
                partial(bucket, interviews),
            )
            for number, interviews in buckets.members.items()
        }
        thank_yous = {number: part[0] for number, part in parts.items()}
        to_prepare = {number: part[1] for number, part in parts.items()}
        return (
            _merged(reuse, "agenda: thank-yous", thank_yous),
            _merged(reuse, "agenda: interviews to prepare", to_prepare),
        )

    return reuse.memo(
        "agenda: interviews", None, (buckets.version, reuse.today, reuse.links), every
    )


def _interview(
    vault: Vault, note: Note, today: dt.date, reuse: Reuse
) -> tuple[list[Keyed], list[Keyed]]:
    thank_you = _thank_you(vault, note, today, reuse)
    prepare = _to_prepare(vault, note, today, reuse)
    return (
        [_keyed(thank_you)] if thank_you is not None else [],
        [_keyed(prepare)] if prepare is not None else [],
    )


def _thank_you(vault: Vault, note: Note, today: dt.date, reuse: Reuse) -> AgendaItem | None:
    hours = vault.config.thank_you_hours
    held = as_moment(note.frontmatter.get("date"))
    if held is None or day_of(held) > today:
        return None
    if note.frontmatter.get("thank_you_sent") not in (None, ""):
        return None
    contact = reuse.contact_of(note)
    who = contact.title if contact is not None else note.title
    due = thank_you_due(held, hours)
    window_end = held + dt.timedelta(hours=hours) if isinstance(held, dt.datetime) else due
    if today > due:
        late = (today - due).days
        return _item(
            "thank-you-overdue",
            note,
            who,
            f"interviewed {_show(held)}; the thank-you was due by {_show(window_end)} "
            f"({_plural(late, 'day')} late): send it, then set thank_you_sent",
            due,
        )
    if isinstance(held, dt.datetime):
        when = f"by {_show(window_end)}" + (" (today)" if due == today else "")
    else:
        when = "today" if due == today else f"by {_show(window_end)}"
    return _item(
        "thank-you-due",
        note,
        who,
        f"interviewed {_show(held)}; send a thank-you {when}, then set thank_you_sent",
        due,
    )


# -- 3B7 follow-ups -----------------------------------------------------------------------


def _organization_key(note: Note) -> str | None:
    """A contact's organization as the agenda compares them ("" for none)."""
    if note.is_template or note.note_type != "contact":
        return None
    organization = _text(note.frontmatter.get("organization"))
    return normalize(organization) if organization else ""


def _follow_ups(vault: Vault, today: dt.date, reuse: Reuse) -> list[Keyed]:
    by_organization = reuse.groups("agenda: contacts by organization", _organization_key)

    def at(organization: str, contacts: tuple[Note, ...]) -> list[Keyed]:
        colleagues = contacts if organization else ()  # no organization: no colleagues
        items: list[Keyed] = []
        for contact in contacts:
            if contact.frontmatter.get("status") == "contacted":
                items += reuse.memo(
                    "agenda: follow-up",
                    contact.id,
                    (contact, reuse.today, colleagues),
                    partial(_follow_up, vault, contact, colleagues, today),
                )
        return items

    def every() -> list[Keyed]:
        parts = {
            organization: reuse.memo(
                "agenda: follow-ups at",
                organization,
                (contacts, reuse.today),
                partial(at, organization, contacts),
            )
            for organization, contacts in by_organization.members.items()
        }
        return _merged(reuse, "agenda: follow-ups", parts)

    return reuse.memo("agenda: follow-ups", None, (by_organization.version, reuse.today), every)


def _follow_up(
    vault: Vault, contact: Note, organization_contacts: tuple[Note, ...], today: dt.date
) -> list[Keyed]:
    """The 3B7 item of a contact waiting for a reply, if one is due; ``organization_contacts``
    are the contacts at its organization (itself included), by id."""
    config = vault.config
    since = as_moment(contact.frontmatter.get("contacted_on")) or as_moment(
        contact.frontmatter.get("last_contact")
    )
    if since is None:
        return []
    waited = business_days_between(since, today, config.holidays)
    if waited < config.try_another_after and waited < config.follow_up_after:
        return []
    organization = _text(contact.frontmatter.get("organization"))
    colleagues = [other for other in organization_contacts if other.id != contact.id]
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
                f"{base}: try another person at {organization} (nobody else there in the vault yet)"
            )
        else:
            message = f"{base}: try another person at the same organization"
    return [_keyed(_item(kind, contact, contact.title, message, due))]


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


def _to_prepare(vault: Vault, note: Note, today: dt.date, reuse: Reuse) -> AgendaItem | None:
    horizon = today + dt.timedelta(days=vault.config.upcoming_days)
    moment = as_moment(note.frontmatter.get("date"))
    if moment is None or not today <= day_of(moment) <= horizon:
        return None
    contact = reuse.contact_of(note)
    days = (day_of(moment) - today).days
    when = {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")
    missing = preparation_missing(note)
    state = (
        f"still to prepare: {', '.join(missing)}"
        if missing
        else "research, objectives and questions ready"
    )
    return _item(
        "prepare-interview",
        note,
        contact.title if contact is not None else note.title,
        f"interview {_show(moment)} ({when}); {state}",
        day_of(moment),
    )


# -- referrals ------------------------------------------------------------------------------


Referrers = dict[str, list[str]]
"""The names of who referred each contact, by contact id."""
Pending = dict[str, tuple[str, list[str], list[str]]]
"""Per normalized name of a person with no note yet: the name as first written, the
notes naming it, the names of who referred them."""


def _referrals(vault: Vault, reuse: Reuse) -> list[Keyed]:
    edges, edges_version = reuse.referral_edges()
    # Which notes are contacts, and their titles, change only with the links token.
    referrers, pending = reuse.memo(
        "agenda: referrers",
        None,
        (edges_version, reuse.links),
        partial(_referrers, vault, _real_notes(reuse, "contact"), edges),
    )

    # Only contacts not contacted yet are to be contacted: those, by organization.
    not_contacted = reuse.groups("agenda: contacts not contacted yet", _not_contacted_key)

    def at(contacts: tuple[Note, ...]) -> list[Keyed]:
        items: list[Keyed] = []
        for contact in contacts:
            names = referrers.get(contact.id)
            if names:
                items += _referral(contact, names)
        return items

    def every() -> list[Keyed]:
        parts: dict[Hashable, list[Keyed]] = {
            organization: reuse.memo(
                "agenda: referrals at", organization, (contacts, referrers), partial(at, contacts)
            )
            for organization, contacts in not_contacted.members.items()
        }
        parts[None] = reuse.memo(  # (no organization is None: "" stands for none)
            "agenda: pending referrals", None, (pending,), partial(_pending, vault, pending)
        )
        return _merged(reuse, "agenda: referrals", parts)

    return reuse.memo("agenda: referrals", None, (not_contacted.version, referrers), every)


def _not_contacted_key(note: Note) -> str | None:
    if note.frontmatter.get("status") != NOT_YET_CONTACTED:
        return None
    return _organization_key(note)


def _referrers(
    vault: Vault, contacts: Iterable[Note], edges: Iterable[ReferralEdge]
) -> tuple[Referrers, Pending]:
    contact_ids = {contact.id for contact in contacts}
    referrers: Referrers = {}
    pending: Pending = {}
    for edge in edges:
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
    return referrers, pending


def _referral(contact: Note, names: list[str]) -> list[Keyed]:
    return [
        _keyed(
            _item(
                "contact-referral",
                contact,
                contact.title,
                f"referred by {', '.join(sorted(names))}; not contacted yet",
                None,
            )
        )
    ]


def _pending(vault: Vault, pending: Pending) -> list[Keyed]:
    items = []
    for name, notes, names in pending.values():
        note = vault.notes[min(notes)]
        items.append(
            _keyed(
                _item(
                    "contact-referral",
                    note,
                    name,
                    f"named as a referral by {', '.join(sorted(names))}; no contact note yet: "
                    f"create one, then reach out",
                    None,
                )
            )
        )
    return items


# -- career fields ----------------------------------------------------------------------


def _field_key(note: Note) -> str | None:
    if note.is_template or note.note_type != "contact":
        return None
    return _text(note.frontmatter.get("field")) or None


def _few_opinions(vault: Vault, today: dt.date, reuse: Reuse) -> list[Keyed]:
    interviews = _real_notes(reuse, "interview")
    interviewed = reuse.memo(
        "agenda: interviewed",
        None,
        (interviews, reuse.today, reuse.links),
        partial(_interviewed, interviews, today, reuse),
    )
    fields = reuse.groups("agenda: contacts by field", _field_key)

    def every() -> list[Keyed]:
        parts = {
            name: reuse.memo(
                "agenda: field",
                name,
                (people, interviewed),
                partial(_few_heard, name, people, interviewed),
            )
            for name, people in fields.members.items()
        }
        return _merged(reuse, "agenda: few opinions", parts)

    return reuse.memo("agenda: few opinions", None, (fields.version, interviewed), every)


def _interviewed(interviews: Iterable[Note], today: dt.date, reuse: Reuse) -> set[str]:
    """The ids of the contacts interviewed on or before ``today``."""
    interviewed: set[str] = set()
    for note in interviews:
        moment = as_moment(note.frontmatter.get("date"))
        contact = reuse.contact_of(note)
        if moment is not None and day_of(moment) <= today and contact is not None:
            interviewed.add(contact.id)
    return interviewed


def _few_heard(name: str, people: tuple[Note, ...], interviewed: set[str]) -> list[Keyed]:
    """The item of a field whose ``people`` (by id) too few of were ``interviewed``."""
    heard = [person for person in people if person.id in interviewed]
    if len(heard) >= FEW_OPINIONS:
        return []
    more = FEW_OPINIONS - len(heard)
    if heard:
        people_count = "1 person" if len(heard) == 1 else f"{len(heard)} people"
        said = f"only {people_count} interviewed ({_names(heard)})"
    else:
        said = "nobody interviewed yet"
    return [
        _keyed(
            _item(
                "few-opinions",
                people[0],
                name,
                f"{said}: talk to at least {more} more before judging the field",
                None,
            )
        )
    ]
