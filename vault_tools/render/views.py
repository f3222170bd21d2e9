"""The index views that generated blocks hold: Markdown built from the vault.

Each view is a pure function of the vault, its arguments and the date; the output is
deterministic (stable order, no timestamps), links are wikilinks and ``|`` inside
table cells is escaped. Names and fields are text (``vault_tools.render.text``): none can
break a row or a line, nor become a link, a comment or a block marker.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left, insort
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, partial
from itertools import compress, count, repeat
from operator import is_, is_not, itemgetter
from typing import Any, Generic, TypeVar, cast

from vault_tools.agenda import (
    FEW_OPINIONS,
    SECTIONS,
    AgendaItem,
    Groups,
    agenda_section,
    contact_of,
)
from vault_tools.dates import as_moment, day_of
from vault_tools.links import normalize
from vault_tools.model import Note
from vault_tools.referrals import ReferralEdge, note_referral_edges
from vault_tools.render.text import bullet, linkable, markdown_text
from vault_tools.vault import Vault

_T = TypeVar("_T")
_K = TypeVar("_K", bound=Hashable)
_KeptT = TypeVar("_KeptT", bound="_Kept")


class ViewError(ValueError):
    """An unknown view or argument; the message says which and what is allowed."""


class ViewContext:
    """What the views render from: the vault, the date and, when the caller keeps one, a
    ``ViewCache`` of what earlier rounds rendered. With or without the cache the views
    render the same text; the cache only spares recomputing what did not change."""

    def __init__(
        self,
        vault: Vault,
        today: dt.date,
        thank_you_hours: int = 24,
        cache: ViewCache | None = None,
    ) -> None:
        self.vault = vault
        self.today = today
        self.thank_you_hours = thank_you_hours
        self.cache = cache
        self._fields: dict[str, set[str]] = {}
        self._groups: dict[str, Groups[Any]] = {}
        if cache is not None:
            cache.begin(vault, today)

    # -- what can be reused -------------------------------------------------------------

    @property
    def links(self) -> object:
        """A token replaced when link resolution may change (see ``ViewCache``)."""
        return self.cache.links if self.cache is not None else None

    @property
    def today_token(self) -> object:
        return self.cache.today if self.cache is not None else None

    def memo(
        self, table: str, key: Hashable, depends: tuple[object, ...], compute: Callable[[], _T]
    ) -> _T:
        """``compute()``, or its value from an earlier round for the same ``depends``
        (see ``ViewCache.memo``)."""
        if self.cache is None:
            return compute()
        return self.cache.memo(table, key, depends, compute)

    def table(self, name: str, *stamp: object) -> dict[Hashable, Any]:
        """A memo table whose values all depend on ``stamp`` (tokens, such as ``links``),
        besides what each entry records of its own inputs: the cache's, emptied when the
        stamp changes (see ``ViewCache.table``); without a cache, an empty one."""
        if self.cache is None:
            return {}
        return self.cache.table(name, stamp)

    def groups(self, name: str, key: Callable[[Note], _K | None]) -> Groups[_K]:
        """The vault's notes grouped by ``key`` (a function of the note alone), in vault
        order; ``name`` stands for ``key``."""
        groups = self._groups.get(name)
        if groups is None:
            if self.cache is None:
                groups = Groups.of(self.vault.notes.values(), key)
            else:
                groups = self.cache.groups(name, key, in_vault_order=True)
            self._groups[name] = groups
        return groups

    def notes_of_type(self, note_type: str) -> Sequence[Note]:
        """The notes of ``note_type``, templates included, in vault order."""
        return self.groups("notes by type", _note_type).members.get(note_type, ())

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {note_id: index for index, note_id in enumerate(self.vault.notes)}

    def position(self, note: Note) -> int:
        """Where ``note`` comes in the vault's order."""
        if self.cache is not None:
            return self.cache.position(note)
        return self._positions[note.id]

    # -- facts the views share ------------------------------------------------------------

    @cached_property
    def interviews_by_contact(self) -> Mapping[str, Sequence[Note]]:
        """The interviews (templates included) by the id of their contact, in vault order
        (with a cache, each contact's a tuple that stays the same while they do)."""
        if self.cache is not None:
            return self.cache.interviews_by_contact().members
        by_contact: dict[str, list[Note]] = {}
        for interview in self.vault.notes_of_type("interview"):
            contact = self.contact_of(interview)
            if contact is not None:
                by_contact.setdefault(contact.id, []).append(interview)
        return by_contact

    def interviews_of(self, contact: Note) -> Sequence[Note]:
        return self.interviews_by_contact.get(contact.id, ())

    def contact_of(self, interview: Note) -> Note | None:
        if self.cache is not None:
            return self.cache.contact_of(interview)
        return contact_of(self.vault, interview)

    def linked_notes(self, note: Note, key: str) -> list[str]:
        """Wikilinks to what ``note``'s field ``key`` links to."""
        cells = []
        for link in note.links:
            if link.in_frontmatter and link.key == key:
                target = self.vault.linked_note(link, note)
                # A person with no note yet stays plain text: a generated index must not
                # add broken links to the vault.
                cells.append(
                    self.link(target) if target else f"{markdown_text(link.target)} (no note yet)"
                )
        return cells

    @cached_property
    def ambiguous_titles(self) -> set[str]:
        if self.cache is not None:
            return self.cache.ambiguous_titles()
        return _ambiguous_titles(self.vault)

    @cached_property
    def _links(self) -> dict[Hashable, Any]:
        return self.table("links", self.links)

    def link(self, note: Note, label: str | None = None) -> str:
        """A wikilink that resolves to ``note``: by title, or by path when titles clash.
        A name no wikilink can hold (``[ ] | # ^``, a line break, ...) stays plain text."""
        if label is not None:
            return self._link(note, label)
        # A function of the note's id and of the links alone
        known: str | None = self._links.get(note.id)
        if known is None:
            known = self._links[note.id] = self._link(note, None)
        return known

    def _link(self, note: Note, label: str | None) -> str:
        target = note.id if normalize(note.title) in self.ambiguous_titles else note.title
        shown = label if label is not None else note.title
        if not (linkable(target) and linkable(shown)):
            return markdown_text(shown)
        return f"[[{target}]]" if shown == target else f"[[{target}|{shown}]]"

    @cached_property
    def _sort_titles(self) -> dict[Hashable, Any]:
        return self.table("sort titles")

    def sort_title(self, note: Note) -> str:
        """``normalize(note.title)``: a function of the note's id alone."""
        title: str | None = self._sort_titles.get(note.id)
        if title is None:
            title = self._sort_titles[note.id] = normalize(note.title)
        return title

    def last_contact(self, contact: Note) -> dt.date | None:
        moments = [as_moment(contact.frontmatter.get("last_contact"))]
        moments += [as_moment(i.frontmatter.get("date")) for i in self.interviews_of(contact)]
        days = [day_of(moment) for moment in moments if moment is not None]
        past = [day for day in days if day <= self.today]
        return max(past) if past else None

    def filterable_fields(self, note_type: str) -> set[str]:
        """``filterable_fields(vault, note_type)``, read once per context (or per round)."""
        if self.cache is not None:
            return self.cache.filterable_fields(note_type)
        if note_type not in self._fields:
            self._fields[note_type] = filterable_fields(self.vault, note_type)
        return self._fields[note_type]


def _note_type(note: Note) -> str | None:
    return note.note_type


def _real_type(note: Note) -> str | None:
    return None if note.is_template else note.note_type


def _ambiguous_titles(vault: Vault) -> set[str]:
    seen: dict[str, int] = {}
    for note in vault.notes.values():
        key = normalize(note.title)
        seen[key] = seen.get(key, 0) + 1
    return {title for title, count in seen.items() if count > 1}


# -- the cache ------------------------------------------------------------------------------


_SHARED = {
    ("table", "links"),
    ("table", "sort titles"),
    ("memo", "ambiguous titles"),
    ("memo", "contact of"),
    ("memo", "filterable fields"),
}
"""What nearly every view uses, through ViewContext's caches of one round: only the
first view made in a round asks the ViewCache for it, so it is never let go (see
``ViewCache._forget_views_no_longer_asked``)."""


class ViewCache:
    """What the views computed in earlier rounds, for ``watch`` to re-render a large vault
    after a small change: a row per note, a view's whole output, and what the views derive
    from many notes (each contact's interviews, the groups by organization or field, the
    referral edges, the ambiguous titles).

    Every value is kept with the inputs it was computed from and served again only for the
    very same inputs, compared by identity: the Note objects it read (``Vault.update``
    replaces the object of a note that changed and keeps the object of one that did not),
    the group tuples it read (a group gets a new tuple when one of its notes changes), and
    two tokens, replaced when what they stand for changes:

    - ``links``: the vault's paths and their order, and every note's type, aliases and
      template flag -- all that link resolution, ``contact_of``, the referral edges and the
      ambiguous titles depend on besides the note itself;
    - ``today``.

    ``begin`` (called by ``ViewContext``) compares the vault with the last round's and
    replaces what changed. Another vault, config or root starts afresh. At worst a value is
    recomputed that was still good; a value is never served for other inputs than its own.

    The views of thousands of rows (tables, fields, the agenda's lines) also keep their
    rows in order from round to round (``kept``, see ``_Kept``): ``begin`` records which
    notes changed (``changes``), and those views make again the rows of just those notes.
    """

    def __init__(self) -> None:
        self._reset(None)

    @property
    def vault(self) -> Vault:
        if self._vault is None:
            raise RuntimeError("ViewCache.begin(vault, today) comes first")
        return self._vault

    def _reset(self, vault: Vault | None) -> None:
        self._vault = vault
        self._config = vault.config if vault is not None else None
        self._root = vault.root if vault is not None else None
        self._order: list[str] = []
        self._values: list[Note] = []
        """The vault's note ids and notes as the last round found them, in order."""
        self.changes: _Journal[str] = _Journal()
        """The ids of the notes that changed (came, went or were read again), round by round."""
        self._attachments: set[str] = set()
        self._positions: dict[str, int] = {}
        self._today: dt.date | None = None
        self.links: object = object()
        self.today: object = object()
        self._memos: dict[str, dict[Hashable, tuple[tuple[object, ...], Any]]] = {}
        self._tables: dict[str, tuple[tuple[object, ...], dict[Hashable, Any]]] = {}
        self._indexes: dict[tuple[str, bool], _Index[Any]] = {}
        self._edges = _Edges()
        self.kept: dict[Hashable, _Kept] = {}
        """What the views of many rows keep from round to round (see ``_Kept``)."""
        self.schemas: object = object()
        """A token replaced when the schemas may have changed: with the config, and each
        round when the config names schema files."""
        self.schema_files = False
        self._asked: set[Hashable] = set()
        """The views (name and arguments) asked for since the round began."""
        self._asked_all = False
        """Whether the last round asked for every view in use (see ``asked_all``)."""
        self._made_with: dict[Hashable, set[tuple[str, Hashable]]] = {}
        """For each view asked for, the memo tables and kept rows it used when it was made."""
        self._making: set[tuple[str, Hashable]] | None = None

    # -- a round --------------------------------------------------------------------------

    def begin(self, vault: Vault, today: dt.date) -> None:
        """Take in what changed in ``vault`` since the last round."""
        if vault is not self._vault or vault.config is not self._config or vault.root != self._root:
            self._reset(vault)
        self._forget_views_no_longer_asked()
        notes = vault.notes
        order = list(notes)
        values = list(notes.values())
        reshaped = order != self._order  # notes came or went, or the order changed
        reordered = False  # whether notes that stay changed places with each other
        changed: list[tuple[Note | None, Note | None]]
        if reshaped:
            previous = dict(zip(self._order, self._values, strict=True))
            changed = [
                (previous.get(note_id), note)
                for note_id, note in zip(order, values, strict=True)
                if previous.get(note_id) is not note
            ]
            changed += [(note, None) for note_id, note in previous.items() if note_id not in notes]
            reordered = [i for i in order if i in previous] != [
                i for i in self._order if i in notes
            ]
        else:
            # The same ids in the same places: the notes that changed are the objects that
            # differ, found without a loop in Python (50,000 notes, every round).
            before = self._values
            changed = [
                (before[index], values[index])
                for index in compress(count(), map(is_not, values, before))
            ]
        relinked = (
            reshaped
            or vault.attachments != self._attachments
            or any(_relinks(old, new) for old, new in changed)
        )
        if relinked:
            self.links = object()
        if reshaped:
            self._positions = {note_id: index for index, note_id in enumerate(order)}
        if today != self._today:
            self.today = object()
            self._today = today
        self.schema_files = any(o.file is not None for o in vault.config.schemas.values())
        if self.schema_files:
            self.schemas = object()  # schema files are read again each round
        self._order = order
        self._values = values
        self._attachments = set(vault.attachments)
        self._forget_what_was_caught_up()
        self.changes.record(map(_changed_id, changed))
        for index in self._indexes.values():
            index.take(changed, reordered=reordered, relinked=relinked)
        self._edges.take(changed, rebuild=relinked)
        for old, new in changed:
            if new is None and old is not None:
                for table in self._memos.values():
                    table.pop(old.id, None)
                for _, entries in self._tables.values():
                    entries.pop(old.id, None)

    def asked_all(self) -> None:
        """The round asked for every view in use: every block of the vault (the plan of
        the whole vault was made). What the others used can go (see ``begin``)."""
        self._asked_all = True

    def _forget_views_no_longer_asked(self) -> None:
        """After a round that asked for every view in use, drop what only the views it did
        not ask for used: a block removed, or whose arguments were edited (each set typed
        on the way is a view of its own). A view is asked for in every round, even when
        its output is served whole from the memo; one asked for again later is made again.
        After a round that failed or planned only some notes, nothing is dropped."""
        asked_all, self._asked_all = self._asked_all, False
        if not asked_all:
            self._asked = set()
            return
        views = self._memos.get("view", {})
        for key in views.keys() - self._asked:
            del views[key]
        dropped = [self._made_with.pop(key) for key in self._made_with.keys() - self._asked]
        in_use: set[tuple[str, Hashable]] = set().union(*self._made_with.values())
        stores: dict[str, dict[Any, Any]] = {
            "memo": self._memos,
            "table": self._tables,
            "kept": self.kept,
        }
        for kind, name in set[tuple[str, Hashable]]().union(*dropped) - in_use - _SHARED:
            stores[kind].pop(name, None)
        self._asked = set()

    def view(self, key: Hashable, depends: tuple[object, ...], compute: Callable[[], str]) -> str:
        """The output of the view ``key`` (its name and arguments) as ``memo`` keeps it, and
        a note that the view is in use this round, along with what it used when made."""
        self._asked.add(key)
        return self.memo("view", key, depends, partial(self._make_view, key, compute))

    def _make_view(self, key: Hashable, compute: Callable[[], str]) -> str:
        made_with = self._made_with.setdefault(key, set())
        outer, self._making = self._making, made_with
        try:
            return compute()
        finally:
            self._making = outer

    def used(self, kind: str, name: Hashable) -> None:
        """The view being made uses the memo table, table or kept rows (``kind``) ``name``."""
        if self._making is not None:
            self._making.add((kind, name))

    def _forget_what_was_caught_up(self) -> None:
        """Let the journals forget what every view that keeps something caught up with."""
        oldest: dict[int, int] = {}  # by journal (its id): the oldest mark still of use
        for kept in self.kept.values():
            for journal, (epoch, position) in kept.marks:
                if epoch is journal.epoch:
                    oldest[id(journal)] = min(position, oldest.get(id(journal), position))
        for journal in [self.changes, *(index.touched for index in self._indexes.values())]:
            journal.forget(oldest.get(id(journal)))

    # -- memos ----------------------------------------------------------------------------

    def memo(
        self, table: str, key: Hashable, depends: tuple[object, ...], compute: Callable[[], _T]
    ) -> _T:
        """``compute()``, or what it returned under ``key`` in ``table`` when ``depends``
        held the very same objects (compared with ``is``). ``depends`` must hold every
        input of ``compute`` that may differ between two calls with the same ``key``: the
        notes it reads, the group tuples, the tokens."""
        if self._making is not None:
            self._making.add(("memo", table))
        entries = self._memos.setdefault(table, {})
        entry = entries.get(key)
        if entry is not None and len(entry[0]) == len(depends) and all(map(is_, entry[0], depends)):
            value: _T = entry[1]
            return value
        value = compute()
        if len(entries) > 2 * len(self._order) + 1000:
            entries.clear()  # keys of notes and groups long gone; what is in use comes back
        entries[key] = (depends, value)
        return value

    def table(self, name: str, stamp: tuple[object, ...]) -> dict[Hashable, Any]:
        """The memo table ``name`` for values that all depend on ``stamp`` (compared by
        identity), emptied when the stamp changes. Each entry must hold, besides its
        value, the other inputs it was computed from, for the caller to compare by
        identity before using it (the views do so inline: they look up thousands)."""
        if self._making is not None:
            self._making.add(("table", name))
        known = self._tables.get(name)
        if known is not None and len(known[0]) == len(stamp) and all(map(is_, known[0], stamp)):
            entries = known[1]
            if len(entries) <= 2 * len(self._order) + 1000:
                return entries
        entries = {}
        self._tables[name] = (stamp, entries)
        return entries

    def groups(
        self,
        name: str,
        key: Callable[[Note], _K | None],
        *,
        follows_links: bool = False,
        in_vault_order: bool = False,
    ) -> _Index[_K]:
        """The vault's notes grouped by ``key`` (by note id, or in vault order), kept from
        round to round: only the groups of the notes that changed are rebuilt. ``key``
        must depend on the note alone, or also on what ``links`` stands for when
        ``follows_links``; ``name`` stands for it (the first ``key`` given is kept)."""
        index = self._indexes.get((name, in_vault_order))
        if index is None:
            index = _Index(key, follows_links, in_vault_order)
            self._indexes[(name, in_vault_order)] = index
        groups: _Index[_K] = index.current(self)
        return groups

    def position(self, note: Note) -> int:
        return self._positions[note.id]

    # -- what the views share -------------------------------------------------------------

    def contact_of(self, interview: Note) -> Note | None:
        """``contact_of(vault, interview)``: a function of the interview and of the links."""
        contact_id = self.memo(
            "contact of",
            interview.id,
            (interview, self.links),
            partial(_contact_id, self.vault, interview),
        )
        return self.vault.notes.get(contact_id) if contact_id is not None else None

    def _contact_key(self, note: Note) -> str | None:
        if note.note_type != "interview":
            return None
        contact = self.contact_of(note)
        return contact.id if contact is not None else None

    def interviews_by_contact(self) -> _Index[str]:
        """Interviews (templates included) by the id of their contact, in vault order."""
        return self.groups(
            "interviews by contact", self._contact_key, follows_links=True, in_vault_order=True
        )

    def ambiguous_titles(self) -> set[str]:
        return self.memo(
            "ambiguous titles", None, (self.links,), partial(_ambiguous_titles, self.vault)
        )

    def referral_edges(self) -> tuple[list[ReferralEdge], object]:
        """``referral_edges(vault)``, kept note by note, and a token replaced when they
        change in anything but their dates (see ``_Edges``)."""
        return self._edges.current(self.vault)

    def filterable_fields(self, note_type: str) -> set[str]:
        return self.memo(
            "filterable fields",
            note_type,
            (self.schemas,),
            partial(filterable_fields, self.vault, note_type),
        )


def _relinks(old: Note | None, new: Note | None) -> bool:
    """Whether replacing ``old`` by ``new`` may change how other notes' links resolve, or
    what they lead to: a note came or went, or its path, type, aliases or template flag
    changed."""
    return (
        old is None
        or new is None
        or old.path != new.path
        or old.note_type != new.note_type
        or old.aliases != new.aliases
        or old.is_template != new.is_template
    )


def _changed_id(change: tuple[Note | None, Note | None]) -> str:
    old, new = change
    note = new if new is not None else old
    if note is None:
        raise ValueError("a change from no note to no note")
    return note.id


class _Journal(Generic[_K]):
    """What changed, in order: the keys ``record``ed since a ``mark``, for whoever keeps
    something derived (``_Kept``) to catch up with just those. What all of them caught up
    with is ``forget``-ed, and only the last ``LIMIT`` keys are kept in any case: ``since``
    a mark older than that, or from before a ``restart``, is unknown (None), and what was
    derived must be derived again from everything."""

    LIMIT = 10_000

    def __init__(self) -> None:
        self.restart()

    def restart(self) -> None:
        self.epoch = object()
        self._keys: list[_K] = []
        self._forgotten = 0  # how many keys were recorded before the first one kept

    def mark(self) -> tuple[object, int]:
        return self.epoch, self._forgotten + len(self._keys)

    def record(self, keys: Iterable[_K]) -> None:
        self._keys.extend(keys)
        if len(self._keys) > self.LIMIT:
            self.forget(self._forgotten + len(self._keys) - self.LIMIT // 2)

    def since(self, mark: tuple[object, int]) -> list[_K] | None:
        epoch, position = mark
        if epoch is not self.epoch or position < self._forgotten:
            return None
        return self._keys[position - self._forgotten :]

    def forget(self, position: int | None) -> None:
        """Forget the keys recorded before ``position`` (of a mark), or all when None."""
        if position is None:
            position = self._forgotten + len(self._keys)
        if position > self._forgotten:
            del self._keys[: position - self._forgotten]
            self._forgotten = position


def _contact_id(vault: Vault, interview: Note) -> str | None:
    contact = contact_of(vault, interview)
    return contact.id if contact is not None else None


class _Index(Groups[_K]):
    """``Groups`` kept up to date from the notes that changed (see ``ViewCache.groups``)."""

    def __init__(
        self, key: Callable[[Note], _K | None], follows_links: bool, in_vault_order: bool
    ) -> None:
        super().__init__()
        self.key = key
        self.follows_links = follows_links
        self.in_vault_order = in_vault_order
        self._built = False
        self._pending: set[str] = set()
        """The ids of the notes that changed since the groups were last brought up to date."""
        self._sets: dict[_K, dict[str, Note]] = {}
        self.touched: _Journal[_K] = _Journal()
        """The keys of the groups that changed, as they are regrouped."""

    def take(
        self, changed: list[tuple[Note | None, Note | None]], *, reordered: bool, relinked: bool
    ) -> None:
        """Note the notes that changed, came or went, to regroup them when next asked;
        group everything again if the keys follow the links and those changed, or if the
        groups are in vault order and notes changed places."""
        rebuild = (self.follows_links and relinked) or (self.in_vault_order and reordered)
        if rebuild or len(self._pending) + len(changed) > 10_000:
            self._built = False
            self.members, self.key_of, self._sets, self._pending = {}, {}, {}, set()
        elif self._built:
            for old, new in changed:
                note_id = _changed_id((old, new))
                if new is not None or note_id in self.key_of:  # (else: nothing to regroup)
                    self._pending.add(note_id)

    def current(self, cache: ViewCache) -> _Index[_K]:
        if not self._built:
            notes: Iterable[Note] = cache.vault.notes.values()
            if not self.in_vault_order:
                notes = sorted(notes, key=_note_id)
            built = Groups.of(notes, self.key)
            self.members, self.key_of = built.members, built.key_of
            self._sets = {
                group: {note.id: note for note in members}
                for group, members in self.members.items()
            }
            self.version = object()
            self.touched.restart()
            self._built = True
            self._pending = set()
        elif self._pending:
            self._apply(cache)
        return self

    def _apply(self, cache: ViewCache) -> None:
        touched: set[_K] = set()
        grown: set[_K] = set()
        notes = cache.vault.notes
        for note_id in self._pending:
            new = notes.get(note_id)  # as it is now, however often it changed meanwhile
            before = self.key_of.get(note_id)
            after = self.key(new) if new is not None else None
            if before is not None and before != after:
                del self._sets[before][note_id]
                del self.key_of[note_id]
                touched.add(before)
            if new is not None and after is not None:
                members = self._sets.setdefault(after, {})
                if note_id not in members:
                    grown.add(after)
                members[note_id] = new  # in its place, if it was there
                self.key_of[note_id] = after
                touched.add(after)
        self._pending = set()
        order: Callable[[Note], Any] = cache.position if self.in_vault_order else _note_id
        for group in touched:
            members = self._sets[group]
            if not members:  # (it may have come and gone since the last call)
                del self._sets[group]
                self.members.pop(group, None)
                continue
            if group in grown:
                members = self._sets[group] = {
                    note.id: note for note in sorted(members.values(), key=order)
                }
            self.members[group] = tuple(members.values())
        if touched:
            self.version = object()
            self.touched.record(touched)


def _note_id(note: Note) -> str:
    return note.id


class _Edges:
    """The referral edges kept note by note, in vault order (``referral_edges`` is the same
    list computed at once), and ``shape``, a token replaced when an edge comes, goes or
    changes in anything but its date: the agenda does not read the dates, and the
    referrals view does not draw them."""

    def __init__(self) -> None:
        self._by_note: dict[str, list[ReferralEdge]] = {}
        self._all: list[ReferralEdge] | None = None
        self._built = False
        self._changed: list[tuple[Note | None, Note | None]] = []
        self.shape = object()

    def take(self, changed: list[tuple[Note | None, Note | None]], *, rebuild: bool) -> None:
        if rebuild or len(self._changed) + len(changed) > 10_000:
            self._built = False
            self._changed = []
        elif self._built:
            self._changed += changed

    def current(self, vault: Vault) -> tuple[list[ReferralEdge], object]:
        if not self._built:
            self._by_note = {}
            for note in vault.notes.values():
                edges = note_referral_edges(vault, note)
                if edges:
                    self._by_note[note.id] = edges
            self._all = None
            self.shape = object()
            self._built = True
            self._changed = []
        elif self._changed:
            for old, new in self._changed:
                either = new if new is not None else old
                if either is None:
                    continue
                known = self._by_note.get(either.id, [])
                edges = note_referral_edges(vault, new) if new is not None else []
                if _same_edges(known, edges):
                    continue
                if edges:
                    self._by_note[either.id] = edges
                else:
                    self._by_note.pop(either.id, None)
                self._all = None
                if not _same_shape(known, edges):
                    self.shape = object()
            self._changed = []
        if self._all is None:
            self._all = [
                edge
                for note_id in vault.notes
                if note_id in self._by_note
                for edge in self._by_note[note_id]
            ]
        return self._all, self.shape


def _same_shape(old: list[ReferralEdge], new: list[ReferralEdge]) -> bool:
    """The same edges, their dates aside."""
    return [_shape(edge) for edge in old] == [_shape(edge) for edge in new]


def _shape(edge: ReferralEdge) -> tuple[object, ...]:
    return (edge.referrer, edge.referred, edge.via, edge.note, edge.link)


def _same_edges(old: list[ReferralEdge], new: list[ReferralEdge]) -> bool:
    """Equal edges, their dates of the same type too (``1 == True``, yet not as text)."""
    return len(old) == len(new) and all(
        a == b and type(a.date) is type(b.date) and repr(a.date) == repr(b.date)
        for a, b in zip(old, new, strict=True)
    )


# -- views ----------------------------------------------------------------------------------

ViewFunction = Callable[[ViewContext, dict[str, str]], str]


@dataclass(frozen=True)
class View:
    name: str
    summary: str
    note_type: str | None
    """Notes of this type can be filtered on any of their fields."""
    render: ViewFunction
    sortable: tuple[str, ...] = ()
    reads: tuple[str, ...] | None = None
    """The types of the notes the view reads, besides the links (for ``ViewCache``; None:
    unknown, and the view is rendered every time)."""
    dated: bool = False
    """Whether the view depends on the date."""


VIEWS: dict[str, View] = {}


def view(
    name: str,
    summary: str,
    note_type: str | None,
    sortable: Iterable[str] = (),
    *,
    reads: tuple[str, ...],
    dated: bool,
) -> Callable[[ViewFunction], ViewFunction]:
    def register(function: ViewFunction) -> ViewFunction:
        VIEWS[name] = View(name, summary, note_type, function, tuple(sortable), reads, dated)
        return function

    return register


def render_view(context: ViewContext, name: str, arguments: dict[str, str]) -> str:
    """The Markdown of view ``name``. Raises ViewError for an unknown view or argument."""
    spec = validate_view(context.vault, name, arguments, context=context)
    if context.cache is None or spec.reads is None:
        return spec.render(context, arguments)
    # The whole output, for as long as no note of a type it reads changed (the group of a
    # type gets a new tuple when one of its notes changes), nor the links or the date.
    by_type = context.groups("notes by type", _note_type)
    depends = (
        context.links,
        context.today_token if spec.dated else None,
        *(by_type.members.get(note_type, ()) for note_type in spec.reads),
    )
    key = (name, *sorted(arguments.items()))
    return context.cache.view(key, depends, partial(spec.render, context, arguments))


def validate_view(
    vault: Vault, name: str, arguments: dict[str, str], *, context: ViewContext | None = None
) -> View:
    """The view ``name``, if it exists and takes ``arguments``; else ViewError says why.
    (``context`` keeps the schemas' fields from view to view.)"""
    spec = VIEWS.get(name)
    if spec is None:
        raise ViewError(f"unknown view {name!r} (views: {', '.join(sorted(VIEWS))})")
    allowed = {"limit"} | ({"sort"} if spec.sortable else set())
    if spec.note_type is not None:
        allowed |= (
            context.filterable_fields(spec.note_type)
            if context is not None
            else filterable_fields(vault, spec.note_type)
        )
    for key, value in arguments.items():
        if key not in allowed:
            raise ViewError(
                f"view {name!r} has no argument {key!r} (arguments: {', '.join(sorted(allowed))})"
            )
        if key == "limit" and not (value.isdigit() and int(value) > 0):
            raise ViewError(f"limit={value!r} must be a positive whole number")
        if key == "sort" and value.lstrip("-") not in spec.sortable:
            raise ViewError(
                f"view {name!r} cannot sort by {value!r} "
                f"(sort by: {', '.join(spec.sortable)}; prefix - for descending)"
            )
    return spec


def filterable_fields(vault: Vault, note_type: str) -> set[str]:
    from vault_tools.schema import effective_schemas

    schema = effective_schemas(vault.config, vault.root).get(note_type, {})
    return set(schema.get("properties", {})) - {"type"}


# -- helpers ------------------------------------------------------------------------------


class Markdown(str):
    """A cell's text that is Markdown already (links, escaped text), not text to escape."""


_BAR = re.compile(r"(?<!\\)\|")


def cell(value: Any) -> str:
    """A table cell: text on one line and inert (``markdown_text``), so that it cannot end
    the cell or the row; Markdown as it is, but for the ``|`` of ``[[target|shown]]``."""
    if value is None:
        return ""
    if isinstance(value, Markdown):
        return _BAR.sub(r"\\|", value)
    if isinstance(value, list):
        value = ", ".join(str(item) for item in value)
    return markdown_text(str(value))


def table(headers: list[str], rows: list[list[Any]]) -> str:
    return "\n".join([*_table_head(headers), *(table_row(row) for row in rows)])


def _table_head(headers: list[str]) -> list[str]:
    return ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]


def table_row(row: list[Any]) -> str:
    return "| " + " | ".join(cell(value) for value in row) + " |"


def _matches(note: Note, key: str, expected: str) -> bool:
    value = note.frontmatter.get(key)
    values = value if isinstance(value, list) else [value]
    for item in values:
        if item is None:
            continue
        text = item.isoformat() if isinstance(item, (dt.date, dt.datetime)) else str(item)
        if normalize(text) == normalize(expected):
            return True
        if normalize(text.strip("[]")) == normalize(expected.strip("[]")):
            return True  # `contact="[[Maya Chen]]"` and `contact="Maya Chen"` both match
    return False


def _notes(context: ViewContext, note_type: str, arguments: dict[str, str]) -> list[Note]:
    """The notes of ``note_type`` (templates aside) that the view's filters keep."""
    notes = context.groups("real notes by type", _real_type).members.get(note_type, ())
    return _filtered(context, notes, arguments)


def _filtered(context: ViewContext, notes: Sequence[Note], arguments: dict[str, str]) -> list[Note]:
    kept = list(notes)
    for key, expected in arguments.items():
        if key not in ("sort", "limit"):
            table = f"matches {key}={expected!r}"
            kept = [
                note
                for note in kept
                if context.memo(table, note.id, (note,), partial(_matches, note, key, expected))
            ]
    return kept


def _sort_key(value: Any) -> tuple[int, str]:
    """Empty values last; dates and text compare as text (ISO dates sort by time)."""
    if value is None or value == "":
        return (1, "")
    if isinstance(value, (dt.date, dt.datetime)):
        return (0, value.isoformat())
    return (0, normalize(str(value)))


class _Row:
    """A table row of a note: the values it sorts by, and its line of Markdown."""

    __slots__ = ("note", "values", "line", "_sort_keys")

    def __init__(self, note: Note, values: dict[str, Any], line: str) -> None:
        self.note = note
        self.values = values
        self.line = line
        self._sort_keys: dict[str, tuple[int, str]] = {}

    def sort_key(self, column: str) -> tuple[int, str]:
        key = self._sort_keys.get(column)
        if key is None:
            key = self._sort_keys[column] = _sort_key(self.values.get(column))
        return key


def _ordered(rows: list[_Row], arguments: dict[str, str], default: str) -> list[_Row]:
    """Rows sorted by ``sort=`` (or ``default``), ties by note id; ``limit=`` applied.
    (``_order_key`` is a key for the same order.)"""
    sort = arguments.get("sort", default)
    descending = sort.startswith("-")
    column = sort.lstrip("-")
    by_id = sorted(range(len(rows)), key=lambda index: rows[index].note.id)
    keyed = [(rows[index].sort_key(column), index) for index in by_id]
    present = [pair for pair in keyed if pair[0][0] == 0]
    missing = [pair for pair in keyed if pair[0][0] == 1]
    present.sort(key=itemgetter(0), reverse=descending)
    ordered = [rows[index] for _, index in present + missing]
    if "limit" in arguments:
        ordered = ordered[: int(arguments["limit"])]
    return ordered


def _order_key(row: _Row, column: str, descending: bool) -> tuple[Any, ...]:
    """A key of ``row`` among others in the order ``_ordered`` puts them in: rows with a
    value first, by it (in either direction), then those without; ties by note id."""
    missing, value = row.sort_key(column)
    if missing:
        return (1, "", row.note.id)
    return (0, _Descending(value) if descending else value, row.note.id)


class _Descending:
    """A sort key that orders the other way round."""

    __slots__ = ("key",)

    def __init__(self, key: str) -> None:
        self.key = key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and self.key == other.key

    def __lt__(self, other: _Descending) -> bool:
        return other.key < self.key


def _when(value: Any) -> str:
    moment = as_moment(value)
    if moment is None:
        return "" if value is None else str(value)
    if isinstance(moment, dt.datetime):
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.isoformat()


def _by_name(names: Iterable[str], first: Callable[[str], int]) -> list[str]:
    """Names sorted by ``normalize``, ties in the order their ``first`` note comes in the
    vault (the order in which grouping the notes one by one meets them)."""
    return sorted(names, key=lambda name: (normalize(name), first(name)))


# -- the views ------------------------------------------------------------------------------

CONTACT_COLUMNS = ("name", "organization", "role", "field", "status", "referred_by", "last_contact")
CONTACT_HEADERS = ["Name", "Organization", "Role", "Field", "Status", "Referred by", "Last contact"]


@view(
    "contacts",
    "every contact: name, organization, role, field, status, referred by, last contact",
    "contact",
    sortable=CONTACT_COLUMNS,
    reads=("contact", "interview"),
    dated=True,
)
def contacts_view(context: ViewContext, arguments: dict[str, str]) -> str:
    if context.cache is None:
        rows = [_contact_row(context, note) for note in _notes(context, "contact", arguments)]
        lines = [row.line for row in _ordered(rows, arguments, "name")]
    else:
        # A row: a function of the contact, its interviews, the links and the date.
        by_contact = context.interviews_by_contact
        lines = _kept_table(
            context,
            "contacts",
            "contact",
            arguments,
            "name",
            _contact_row,
            lambda note: (by_contact.get(note.id, ()),),
            (context.links, context.today_token),
            (context.cache.changes, context.cache.interviews_by_contact().touched),
        )
    if not lines:
        return "_No contacts match._"
    return "\n".join([*_table_head(CONTACT_HEADERS), *lines])


def _contact_row(context: ViewContext, note: Note) -> _Row:
    data = note.frontmatter
    values = {
        "name": note.title,
        "organization": data.get("organization"),
        "role": data.get("role"),
        "field": data.get("field"),
        "status": data.get("status"),
        "referred_by": Markdown(", ".join(context.linked_notes(note, "referred_by"))) or None,
        "last_contact": context.last_contact(note),
    }
    line = table_row(
        [
            Markdown(context.link(note)),
            values["organization"],
            values["role"],
            values["field"],
            values["status"],
            values["referred_by"],
            _when(values["last_contact"]),
        ]
    )
    return _Row(note, values, line)


INTERVIEW_COLUMNS = ("date", "contact", "format", "thank_you_sent")


@view(
    "interviews",
    "every interview, newest first: date, contact, format, thank-you sent, referrals",
    "interview",
    sortable=INTERVIEW_COLUMNS,
    reads=("interview",),
    dated=False,
)
def interviews_view(context: ViewContext, arguments: dict[str, str]) -> str:
    if context.cache is None:
        rows = [_interview_row(context, note) for note in _notes(context, "interview", arguments)]
        lines = [row.line for row in _ordered(rows, arguments, "-date")]
    else:
        # A row: a function of the interview and of the links (contact_of, the link cells).
        lines = _kept_table(
            context,
            "interviews",
            "interview",
            arguments,
            "-date",
            _interview_row,
            lambda note: (),
            (context.links,),
            (context.cache.changes,),
        )
    if not lines:
        return "_No interviews match._"
    return "\n".join(
        [*_table_head(["Date", "Contact", "Format", "Thank-you sent", "Referrals"]), *lines]
    )


def _interview_row(context: ViewContext, note: Note) -> _Row:
    contact = context.contact_of(note)
    values = {
        "date": as_moment(note.frontmatter.get("date")),
        "contact": contact.title if contact else None,
        "format": note.frontmatter.get("format"),
        "thank_you_sent": as_moment(note.frontmatter.get("thank_you_sent")),
    }
    line = table_row(
        [
            Markdown(context.link(note, _when(values["date"]) or note.title)),
            Markdown(", ".join(context.linked_notes(note, "contact"))),
            values["format"],
            _when(values["thank_you_sent"]),
            Markdown(", ".join(context.linked_notes(note, "referrals"))),
        ]
    )
    return _Row(note, values, line)


FOLLOW_UP_SECTIONS = (
    ("Thank-you notes to send", ("thank-you-overdue", "thank-you-due")),
    ("Follow-ups", ("try-another", "follow-up")),
    ("Interviews to prepare", ("prepare-interview",)),
    ("Referrals to contact", ("contact-referral",)),
)


@view(
    "follow-ups",
    "thank-yous due or overdue, follow-ups (3B7), interviews to prepare, referrals to contact",
    None,
    reads=("contact", "interview"),
    dated=True,
)
def follow_ups_view(context: ViewContext, arguments: dict[str, str]) -> str:
    """The agenda (``vault_tools.agenda``) as of the context's date, in four sections;
    ``limit=N`` keeps the first N items of each."""
    limit = int(arguments["limit"]) if "limit" in arguments else None
    parts = []
    for heading, kinds in FOLLOW_UP_SECTIONS:
        # Each section of the view is one of the agenda's, its items in agenda order, and
        # rendered again only when that list of items, or the links, changed.
        items = agenda_section(context.vault, context.today, kinds, context.cache)
        parts.append(
            context.memo(
                f"follow-ups section, limit {limit}",  # a table each: see ViewCache.view
                heading,
                (items, context.links),
                partial(_follow_ups_section, context, heading, items, limit),
            )
        )
    return "\n\n".join(parts)


if not all(kinds in SECTIONS for _, kinds in FOLLOW_UP_SECTIONS):
    raise AssertionError("each section of the follow-ups view must be one of agenda.SECTIONS")


def _follow_ups_section(
    context: ViewContext, heading: str, items: list[AgendaItem], limit: int | None
) -> str:
    shown = items[:limit]
    if context.cache is None:
        lines = [bullet(_agenda_line(context, i, context.vault.note_at(i.path))) for i in shown]
    else:
        lines = _kept_agenda_lines(context, (heading, limit), shown)
    return "\n".join([f"**{heading}**\n", *(lines or [bullet("Nothing here.")])])


def _agenda_line(context: ViewContext, item: AgendaItem, note: Note | None) -> str:
    """One agenda item as Markdown: the people and notes it is about (``note`` is the
    one at ``item.path``) as wikilinks."""
    message = markdown_text(item.message)
    title = markdown_text(item.title)
    if note is None:
        return f"{title}: {message}"
    if note.note_type == "interview":
        contact = context.contact_of(note)
        who = context.link(contact) if contact is not None else title
        if item.kind == "prepare-interview":
            return f"{context.link(note)} with {who}: {message}"
        if item.kind == "contact-referral":
            return f"{title} (no note yet): {message} ({context.link(note)})"
        return f"{who}: {message} ({context.link(note)})"
    return f"{context.link(note)}: {message}"


@view(
    "referrals",
    "the referral graph as Mermaid, and the top referrers",
    "contact",
    reads=("contact", "interview"),
    dated=False,
)
def referrals_view(context: ViewContext, arguments: dict[str, str]) -> str:
    if context.cache is None:
        return _referrals(context, arguments)
    # The graph holds the contacts (which notes are contacts changes only with the links)
    # and the referral edges (their dates are not drawn); the contacts' fields matter only
    # to filters.
    filtered = any(key not in ("limit", "sort") for key in arguments)
    contacts = context.groups("real notes by type", _real_type).members.get("contact", ())
    return context.memo(
        f"referrals {sorted(arguments.items())!r}",  # a table each: see ViewCache.view
        None,
        (context.links, context.cache.referral_edges()[1], contacts if filtered else None),
        partial(_referrals, context, arguments),
    )


def _referrals(context: ViewContext, arguments: dict[str, str]) -> str:
    from vault_tools.graph import reach_sizes, referral_graph
    from vault_tools.render.graph import TooManyEdges, to_mermaid

    graph = referral_graph(context.vault)
    if any(key not in ("limit", "sort") for key in arguments):
        graph = graph.subgraph(note.id for note in _notes(context, "contact", arguments)).copy()
    try:
        diagram = "```mermaid\n" + to_mermaid(graph) + "```"
    except TooManyEdges as error:
        diagram = f"_The referral graph is too large to draw here: {error}._"
    sizes = reach_sizes(graph)
    referrers = sorted(
        (
            (graph.out_degree(node), sizes[node], str(data["title"]), node)
            for node, data in graph.nodes(data=True)
            if graph.out_degree(node)
        ),
        key=lambda item: (-item[0], -item[1], item[3]),
    )[: int(arguments.get("limit", 5))]
    lines = []
    for introduced, reached, title, node in referrers:
        note = context.vault.notes.get(node)
        if note is not None:
            name = context.link(note)
        else:
            name = f"[[{node}]]" if linkable(node) else markdown_text(title)
        lines.append(bullet(f"{name}: introduced {introduced}, reach {reached}"))
    top = "\n".join(lines) or "- No referrals yet."
    return f"{diagram}\n\n**Top referrers**\n\n{top}"


def _organization_name(note: Note) -> str | None:
    if note.is_template or note.note_type != "contact":
        return None
    return str(note.frontmatter.get("organization") or "").strip()


@view(
    "organizations",
    "contacts grouped by organization",
    "contact",
    reads=("contact", "organization"),
    dated=False,
)
def organizations_view(context: ViewContext, arguments: dict[str, str]) -> str:
    by_organization = context.groups("contacts by organization", _organization_name)
    groups = {
        name: members
        for name, members in (
            (name, _kept(context, "organizations", name, members, arguments))
            for name, members in by_organization.members.items()
        )
        if members
    }
    if not groups:
        return "_No contacts match._"
    organization_notes = context.memo(
        "organization notes",
        None,
        (context.notes_of_type("organization"),),
        partial(_organization_notes, context),
    )
    names = _by_name((n for n in groups if n), lambda n: context.position(groups[n][0]))
    names += [""] if "" in groups else []
    if "limit" in arguments:
        names = names[: int(arguments["limit"])]
    parts = []
    for name in names:
        organization = organization_notes.get(normalize(name)) if name else None
        parts.append(
            context.memo(
                "organization",
                name,
                (context.links, organization, *groups[name]),
                partial(_organization_part, context, name, organization, groups[name]),
            )
        )
    return "\n\n".join(parts)


def _kept(
    context: ViewContext,
    view_name: str,
    name: str,
    members: tuple[Note, ...],
    arguments: dict[str, str],
) -> Sequence[Note]:
    """The members of a group that the view's filters keep."""
    if all(key in ("sort", "limit") for key in arguments):
        return members
    return context.memo(
        f"{view_name}: kept {sorted(arguments.items())!r}",
        name,
        (members,),
        partial(_filtered, context, members, arguments),
    )


def _organization_notes(context: ViewContext) -> dict[str, Note]:
    return {normalize(n.title): n for n in context.notes_of_type("organization")}


def _organization_part(
    context: ViewContext, name: str, organization: Note | None, contacts: Sequence[Note]
) -> str:
    if organization is not None:
        heading = context.link(organization)
    else:
        heading = markdown_text(name) if name else "No organization"
    people = []
    for contact in sorted(contacts, key=context.sort_title):
        details = [
            markdown_text(str(contact.frontmatter[key]))
            for key in ("role", "status")
            if contact.frontmatter.get(key)
        ]
        suffix = f" ({', '.join(details)})" if details else ""
        people.append(bullet(f"{context.link(contact)}{suffix}"))
    return f"**{heading}**\n\n" + "\n".join(people)


def _field_name(note: Note) -> str | None:
    if note.is_template or note.note_type != "contact":
        return None
    return str(note.frontmatter.get("field") or "").strip() or None


@view(
    "fields",
    "people interviewed per career field, flagging fields with fewer than three",
    "contact",
    reads=("contact", "interview"),
    dated=True,
)
def fields_view(context: ViewContext, arguments: dict[str, str]) -> str:
    if context.cache is None:
        people = _heard_by_field(context, arguments)
    else:
        people = _kept_fields(context, arguments)
    if not people:
        return "_Nobody interviewed yet._"
    # The fields heard from most first, ties by name, then by where their first person
    # heard from comes in the vault.
    names = sorted(people, key=lambda n: (-len(people[n]), normalize(n), people[n].first))
    if "limit" in arguments:
        names = names[: int(arguments["limit"])]
    rows = [people[name].row(name) for name in names]
    return "\n".join([*_table_head(["Field", "People interviewed", "Who", "Note"]), *rows])


class _Heard:
    """The people of a field interviewed on or before the context's date: wikilinks to
    them in the order the fields view lists them (by ``sort_title``, ties in vault order)."""

    def __init__(self, keyed: Iterable[tuple[str, tuple[str, int], str]] = ()) -> None:
        """``keyed``: (note id, (sort title, position in the vault), link) of each person."""
        keyed = list(keyed)
        self.people = _Ordered(keyed)
        self._positions = sorted(key[1] for _, key, _ in keyed)
        self._row: str | None = None

    def __len__(self) -> int:
        return len(self._positions)

    @property
    def first(self) -> int:
        """Where the person of this field who comes first in the vault comes."""
        return self._positions[0]

    def put(self, note_id: str, key: tuple[str, int], link: str) -> None:
        if self.people.line_of(note_id) == link and self.people.key_of(note_id) == key:
            return  # (as when a person's note changed in what the view does not show)
        self.drop(note_id)
        self.people.put(note_id, key, link)
        insort(self._positions, key[1])
        self._row = None

    def drop(self, note_id: str) -> None:
        key = self.people.drop(note_id)
        if key is not None:
            del self._positions[bisect_left(self._positions, key[1])]
            self._row = None

    def row(self, name: str) -> str:
        if self._row is None:
            count = len(self)
            note = (
                f"only {count}: talk to more people before judging the field"
                if count < FEW_OPINIONS
                else ""
            )
            who = Markdown(", ".join(self.people.lines))
            self._row = table_row([name, count, who, note])
        return self._row


def _heard_by_field(context: ViewContext, arguments: dict[str, str]) -> dict[str, _Heard]:
    """The people heard from in each field (that has any), of the contacts the filters keep."""
    by_field = context.groups("contacts by field", _field_name)
    heard: dict[str, _Heard] = {}
    for name, members in by_field.members.items():
        people = [
            contact
            for contact in _filtered(context, members, arguments)
            if _was_heard(context, context.interviews_of(contact))
        ]
        if people:
            heard[name] = _Heard(
                (p.id, (context.sort_title(p), context.position(p)), context.link(p))
                for p in people
            )
    return heard


def _was_heard(context: ViewContext, interviews: Iterable[Note]) -> bool:
    """Whether one of ``interviews`` was held on or before the context's date."""
    for interview in interviews:
        moment = as_moment(interview.frontmatter.get("date"))
        if moment is not None and day_of(moment) <= context.today:
            return True
    return False


# -- views kept from round to round ------------------------------------------------------
#
# With a cache (``watch``), the views of many rows keep them from one round to the next,
# in order: a table's rows, the people of each field, the lines of the agenda's items.
# After a save only the rows of the notes that changed since (``ViewCache.changes``), or
# whose interviews did (``_Index.touched``), are made again and put in their place; the
# rest stays, and joining the lines is all that grows with the vault. A view kept so
# writes what it writes without a cache, byte for byte (tests/test_incremental_index.py,
# tests/test_watch_incremental.py).


class _Ordered:
    """Lines in the order of their keys, each line under a name (a note id) and with a key
    that no other line has: putting one in its place or taking it out is a binary search
    (and moving pointers), not a sort."""

    __slots__ = ("keys", "lines", "_key_of")

    def __init__(self, named: Iterable[tuple[str, Any, str]] = ()) -> None:
        """``named``: (name, key, line) of each line, in any order."""
        entries = sorted(((key, name, line) for name, key, line in named), key=itemgetter(0))
        self.keys: list[Any] = [key for key, _, _ in entries]
        self.lines: list[str] = [line for _, _, line in entries]
        self._key_of: dict[str, Any] = {name: key for key, name, _ in entries}

    def put(self, name: str, key: Any, line: str) -> None:
        self.drop(name)
        at = bisect_left(self.keys, key)
        self.keys.insert(at, key)
        self.lines.insert(at, line)
        self._key_of[name] = key

    def names(self) -> Iterable[str]:
        return self._key_of.keys()

    def key_of(self, name: str) -> Any:
        return self._key_of.get(name)

    def line_of(self, name: str) -> str | None:
        key = self._key_of.get(name)
        return None if key is None else self.lines[bisect_left(self.keys, key)]

    def drop(self, name: str) -> Any:
        """Take out the line of ``name``, if there is one; its key, or None."""
        key = self._key_of.pop(name, None)
        if key is not None:
            at = bisect_left(self.keys, key)
            del self.keys[at]
            del self.lines[at]
        return key


class _Kept:
    """What a view keeps from round to round: made with the same ``stamp`` (tokens, compared
    by identity), and up to date with some journals as of its marks."""

    def __init__(self, stamp: tuple[object, ...], journals: Sequence[_Journal[str]]) -> None:
        self.stamp = stamp
        self.marks = [(journal, journal.mark()) for journal in journals]

    def catch_up(
        self, stamp: tuple[object, ...], journals: Sequence[_Journal[str]]
    ) -> set[str] | None:
        """The keys recorded in ``journals`` since the last call (note ids, here), or None
        when what is kept cannot be brought up to date: all must be made again."""
        if len(stamp) != len(self.stamp) or not all(map(is_, stamp, self.stamp)):
            return None
        if [journal for journal, _ in self.marks] != list(journals):
            return None
        keys: set[str] = set()
        for journal, mark in self.marks:
            since = journal.since(mark)
            if since is None:
                return None
            keys.update(since)
        self.marks = [(journal, journal.mark()) for journal in journals]
        return keys


def _keep(
    context: ViewContext,
    kind: type[_KeptT],
    key: Hashable,
    stamp: tuple[object, ...],
    journals: Sequence[_Journal[str]],
) -> tuple[_KeptT, set[str] | None]:
    """What a view kept under ``key``, and the ids of the notes that changed since; a new,
    empty ``kind`` and None when there is none yet or it cannot be brought up to date.
    It is taken out of the cache until the view, done, hands it back (``_kept_again``):
    a view that fails halfway leaves nothing half brought up to date."""
    if context.cache is None:
        raise RuntimeError("only a ViewContext with a cache keeps views")
    context.cache.used("kept", key)
    kept = context.cache.kept.pop(key, None)
    changed = kept.catch_up(stamp, journals) if isinstance(kept, kind) else None
    if not isinstance(kept, kind) or changed is None:
        kept = kind(stamp, journals)
    return kept, changed


def _kept_again(context: ViewContext, key: Hashable, kept: _Kept) -> None:
    if context.cache is not None:
        context.cache.kept[key] = kept


class _KeptTable(_Kept):
    """A table view's rows in order (see ``_kept_table``)."""

    def __init__(self, stamp: tuple[object, ...], journals: Sequence[_Journal[str]]) -> None:
        super().__init__(stamp, journals)
        self.rows = _Ordered()
        self.made_of: dict[str, tuple[object, ...]] = {}
        """What each row was made from: its note and its ``inputs`` (by note id)."""


def _kept_table(
    context: ViewContext,
    view_name: str,
    note_type: str,
    arguments: dict[str, str],
    default: str,
    make_row: Callable[[ViewContext, Note], _Row],
    inputs: Callable[[Note], tuple[object, ...]],
    stamp: tuple[object, ...],
    journals: Sequence[_Journal[str]],
) -> list[str]:
    """The lines of the rows of a table view over the notes of ``note_type`` that its
    filters keep, in ``_ordered``'s order (``limit=`` applied). A row is ``make_row(context,
    note)``: a function of the note, of ``inputs(note)`` and of the tokens in ``stamp``; the
    ids that ``journals`` record are those of the notes whose row may have changed."""
    sort = arguments.get("sort", default)
    column, descending = sort.lstrip("-"), sort.startswith("-")
    key = (view_name, *sorted(item for item in arguments.items() if item[0] != "limit"))
    kept, changed = _keep(context, _KeptTable, key, stamp, journals)
    if changed is None:
        rows = [make_row(context, note) for note in _notes(context, note_type, arguments)]
        kept.rows = _Ordered((r.note.id, _order_key(r, column, descending), r.line) for r in rows)
        kept.made_of = {row.note.id: (row.note, *inputs(row.note)) for row in rows}
    for note_id in changed or ():
        note = context.vault.notes.get(note_id)
        if (
            note is None
            or _real_type(note) != note_type
            or not _filtered(context, [note], arguments)
        ):
            kept.rows.drop(note_id)
            kept.made_of.pop(note_id, None)
            continue
        made_of = (note, *inputs(note))
        known = kept.made_of.get(note_id)
        if known is not None and all(map(is_, known, made_of)):
            continue
        row = make_row(context, note)
        kept.rows.put(note_id, _order_key(row, column, descending), row.line)
        kept.made_of[note_id] = made_of
    _kept_again(context, key, kept)
    lines = kept.rows.lines
    return lines[: int(arguments["limit"])] if "limit" in arguments else lines


class _KeptFields(_Kept):
    """The fields view's people heard from, field by field (see ``_kept_fields``)."""

    def __init__(self, stamp: tuple[object, ...], journals: Sequence[_Journal[str]]) -> None:
        super().__init__(stamp, journals)
        self.fields: dict[str, _Heard] = {}
        self.field_of: dict[str, str] = {}
        """The field in which each person (by note id) was heard from."""


def _kept_fields(context: ViewContext, arguments: dict[str, str]) -> dict[str, _Heard]:
    """``_heard_by_field``, kept. Whether a contact was heard from, and in which field, is a
    function of the contact, its interviews and the date; its link, sort title and place
    in the vault, of the links."""
    if context.cache is None:
        raise RuntimeError("only a ViewContext with a cache keeps views")
    by_contact = context.interviews_by_contact
    journals = (context.cache.changes, context.cache.interviews_by_contact().touched)
    stamp = (context.links, context.today_token)
    key = ("fields", *sorted(item for item in arguments.items() if item[0] != "limit"))
    kept, changed = _keep(context, _KeptFields, key, stamp, journals)
    if changed is None:
        kept.fields = _heard_by_field(context, arguments)
        kept.field_of = {
            note_id: name for name, heard in kept.fields.items() for note_id in heard.people.names()
        }
    for note_id in changed or ():
        note = context.vault.notes.get(note_id)
        field = _field_name(note) if note is not None else None
        heard = (
            note is not None
            and field is not None
            and bool(_filtered(context, [note], arguments))
            and _was_heard(context, by_contact.get(note_id, ()))
        )
        before = kept.field_of.get(note_id)
        if before is not None and (not heard or before != field):
            kept.fields[before].drop(note_id)
            del kept.field_of[note_id]
            if not kept.fields[before]:
                del kept.fields[before]
        if note is not None and field is not None and heard:
            kept.field_of[note_id] = field
            people = kept.fields.setdefault(field, _Heard())
            people.put(
                note_id, (context.sort_title(note), context.position(note)), context.link(note)
            )
    _kept_again(context, key, kept)
    return kept.fields


class _KeptLines(_Kept):
    """The lines of the agenda's items (see ``_kept_agenda_lines``)."""

    def __init__(self, stamp: tuple[object, ...], journals: Sequence[_Journal[str]]) -> None:
        super().__init__(stamp, journals)
        self.lines: dict[int, str] = {}
        """Each item's line, by the item's id."""
        self.items: dict[int, AgendaItem] = {}
        """The items of those lines, held so that no other item can have their id."""
        self.by_note: dict[str, list[int]] = {}
        """The ids of the items about each note (by note id)."""

    def add(self, key: int, item: AgendaItem, line: str) -> None:
        self.lines[key] = line
        self.items[key] = item
        if item.path.lower().endswith(".md"):  # (else about no note, ever: see note_at)
            self.by_note.setdefault(item.path[:-3], []).append(key)


def _kept_agenda_lines(context: ViewContext, key: Hashable, items: list[AgendaItem]) -> list[str]:
    """The lines of ``items``, each made again only for an item that is new or whose note
    (the one at its path) changed: a line is a function of the item, of that note and of
    the links. Known lines are looked up without a loop in Python (thousands, each round)."""
    if context.cache is None:
        raise RuntimeError("only a ViewContext with a cache keeps views")
    journals = (context.cache.changes,)
    key = ("agenda lines", key)
    kept, changed = _keep(context, _KeptLines, key, (context.links,), journals)
    for note_id in changed or ():
        for gone in kept.by_note.pop(note_id, ()):
            kept.lines.pop(gone, None)
            kept.items.pop(gone, None)
    keys = list(map(id, items))
    found = list(map(kept.lines.get, keys))
    for index in list(compress(count(), map(is_, found, repeat(None)))):
        item = items[index]
        line = found[index] = bullet(_agenda_line(context, item, context.vault.note_at(item.path)))
        kept.add(keys[index], item, line)
    lines = cast(list[str], found)
    if len(kept.lines) > 2 * len(items) + 100:  # mostly lines of items long gone
        kept.lines, kept.items, kept.by_note = {}, {}, {}
        for key_of_item, item, line in zip(keys, items, lines, strict=True):
            kept.add(key_of_item, item, line)
    _kept_again(context, key, kept)
    return lines
