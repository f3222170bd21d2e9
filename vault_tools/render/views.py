"""The index views that generated blocks hold: Markdown built from the vault.

Each view is a pure function of the vault, its arguments and the date; the output is
deterministic (stable order, no timestamps), links are wikilinks and ``|`` inside
table cells is escaped. Names and fields are text (``vault_tools.render.text``): none can
break a row or a line, nor become a link, a comment or a block marker.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, partial
from operator import is_, itemgetter
from typing import Any, TypeVar

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
        self._notes: dict[str, Note] = {}
        self._order: list[str] = []
        self._attachments: set[str] = set()
        self._positions: dict[str, int] = {}
        self._today: dt.date | None = None
        self.links: object = object()
        self.today: object = object()
        self._memos: dict[str, dict[Hashable, tuple[tuple[object, ...], Any]]] = {}
        self._tables: dict[str, tuple[tuple[object, ...], dict[Hashable, Any]]] = {}
        self._indexes: dict[tuple[str, bool], _Index[Any]] = {}
        self._edges = _Edges()
        self.schemas: object = object()
        """A token replaced when the schemas may have changed: with the config, and each
        round when the config names schema files."""
        self.schema_files = False

    # -- a round --------------------------------------------------------------------------

    def begin(self, vault: Vault, today: dt.date) -> None:
        """Take in what changed in ``vault`` since the last round."""
        if vault is not self._vault or vault.config is not self._config or vault.root != self._root:
            self._reset(vault)
        notes = vault.notes
        order = list(notes)
        reshaped = order != self._order  # notes came or went, or the order changed
        previous = self._notes
        changed: list[tuple[Note | None, Note | None]] = []
        for note_id, note in notes.items():
            old = previous.get(note_id)
            if old is not note:
                changed.append((old, note))
        reordered = False  # whether notes that stay changed places with each other
        if reshaped:
            changed += [(note, None) for note_id, note in previous.items() if note_id not in notes]
            reordered = [i for i in order if i in previous] != [
                i for i in self._order if i in notes
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
        self._notes = dict(notes)
        self._order = order
        self._attachments = set(vault.attachments)
        for index in self._indexes.values():
            index.take(changed, reordered=reordered, relinked=relinked)
        self._edges.take(changed, rebuild=relinked)
        for old, new in changed:
            if new is None and old is not None:
                for table in self._memos.values():
                    table.pop(old.id, None)
                for _, entries in self._tables.values():
                    entries.pop(old.id, None)

    # -- memos ----------------------------------------------------------------------------

    def memo(
        self, table: str, key: Hashable, depends: tuple[object, ...], compute: Callable[[], _T]
    ) -> _T:
        """``compute()``, or what it returned under ``key`` in ``table`` when ``depends``
        held the very same objects (compared with ``is``). ``depends`` must hold every
        input of ``compute`` that may differ between two calls with the same ``key``: the
        notes it reads, the group tuples, the tokens."""
        entries = self._memos.setdefault(table, {})
        entry = entries.get(key)
        if entry is not None and len(entry[0]) == len(depends) and all(map(is_, entry[0], depends)):
            value: _T = entry[1]
            return value
        value = compute()
        if len(entries) > 2 * len(self._notes) + 1000:
            entries.clear()  # keys of notes and groups long gone; what is in use comes back
        entries[key] = (depends, value)
        return value

    def table(self, name: str, stamp: tuple[object, ...]) -> dict[Hashable, Any]:
        """The memo table ``name`` for values that all depend on ``stamp`` (compared by
        identity), emptied when the stamp changes. Each entry must hold, besides its
        value, the other inputs it was computed from, for the caller to compare by
        identity before using it (the views do so inline: they look up thousands)."""
        known = self._tables.get(name)
        if known is not None and len(known[0]) == len(stamp) and all(map(is_, known[0], stamp)):
            entries = known[1]
            if len(entries) <= 2 * len(self._notes) + 1000:
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
    ) -> Groups[_K]:
        """The vault's notes grouped by ``key`` (by note id, or in vault order), kept from
        round to round: only the groups of the notes that changed are rebuilt. ``key``
        must depend on the note alone, or also on what ``links`` stands for when
        ``follows_links``; ``name`` stands for it (the first ``key`` given is kept)."""
        index = self._indexes.get((name, in_vault_order))
        if index is None:
            index = _Index(key, follows_links, in_vault_order)
            self._indexes[(name, in_vault_order)] = index
        groups: Groups[_K] = index.current(self)
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

    def interviews_by_contact(self) -> Groups[str]:
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
        self._changed: list[tuple[Note | None, Note | None]] = []
        self._sets: dict[_K, dict[str, Note]] = {}

    def take(
        self, changed: list[tuple[Note | None, Note | None]], *, reordered: bool, relinked: bool
    ) -> None:
        """Note the notes that changed, came or went, to regroup them when next asked;
        group everything again if the keys follow the links and those changed, or if the
        groups are in vault order and notes changed places."""
        rebuild = (self.follows_links and relinked) or (self.in_vault_order and reordered)
        if rebuild or len(self._changed) + len(changed) > 10_000:
            self._built = False
            self._changed = []
        elif self._built:
            self._changed += changed

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
            self._built = True
            self._changed = []
        elif self._changed:
            self._apply(cache)
        return self

    def _apply(self, cache: ViewCache) -> None:
        touched: set[_K] = set()
        grown: set[_K] = set()
        for old, new in self._changed:
            note_id = new.id if new is not None else old.id if old is not None else ""
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
        self._changed = []
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
    return context.memo("view", key, depends, partial(spec.render, context, arguments))


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


def _ordered(
    rows: list[_Row],
    arguments: dict[str, str],
    default: str,
    known: dict[Hashable, Any] | None = None,
) -> list[_Row]:
    """Rows sorted by ``sort=`` (or ``default``), ties by note id; ``limit=`` applied.

    ``known`` keeps the last order: the same again while the rows' ids and sort keys are
    the same, one by one."""
    sort = arguments.get("sort", default)
    descending = sort.startswith("-")
    column = sort.lstrip("-")
    key = (sort, *sorted((k, v) for k, v in arguments.items() if k != "limit"))
    previous = known.get(key) if known is not None else None
    if previous is not None and _same_keys(previous[0], rows, column):
        order: list[int] = previous[1]
    else:
        by_id = sorted(range(len(rows)), key=lambda index: rows[index].note.id)
        keyed = [(rows[index].sort_key(column), index) for index in by_id]
        present = [pair for pair in keyed if pair[0][0] == 0]
        missing = [pair for pair in keyed if pair[0][0] == 1]
        present.sort(key=itemgetter(0), reverse=descending)
        order = [index for _, index in present + missing]
    if known is not None:
        known[key] = (rows, order)
    ordered = [rows[index] for index in order]
    if "limit" in arguments:
        ordered = ordered[: int(arguments["limit"])]
    return ordered


def _same_keys(old: list[_Row], new: list[_Row], column: str) -> bool:
    return len(old) == len(new) and all(
        a is b or (a.note.id == b.note.id and a.sort_key(column) == b.sort_key(column))
        for a, b in zip(old, new, strict=True)
    )


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
    # A row: a function of the contact, its interviews, the links and the date.
    entries = context.table("contacts rows", context.links, context.today_token)
    by_contact = context.interviews_by_contact
    rows = []
    for note in _notes(context, "contact", arguments):
        interviews = by_contact.get(note.id, ())
        entry = entries.get(note.id)
        if entry is None or entry[0] is not note or entry[1] is not interviews:
            entry = entries[note.id] = (note, interviews, _contact_row(context, note))
        rows.append(entry[2])
    ordered = _ordered(rows, arguments, "name", context.table("contacts order"))
    if not ordered:
        return "_No contacts match._"
    return "\n".join([*_table_head(CONTACT_HEADERS), *(row.line for row in ordered)])


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
    # A row: a function of the interview and of the links (contact_of, the link cells).
    entries = context.table("interviews rows", context.links)
    rows = []
    for note in _notes(context, "interview", arguments):
        entry = entries.get(note.id)
        if entry is None or entry[0] is not note:
            entry = entries[note.id] = (note, _interview_row(context, note))
        rows.append(entry[1])
    ordered = _ordered(rows, arguments, "-date", context.table("interviews order"))
    if not ordered:
        return "_No interviews match._"
    return "\n".join(
        [
            *_table_head(["Date", "Contact", "Format", "Thank-you sent", "Referrals"]),
            *(row.line for row in ordered),
        ]
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
                "follow-ups section",
                (heading, limit),
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
    # A line: a function of the item, of the note it is about and of the links; the
    # entries hold the item, so that no other item can have its id meanwhile.
    entries = context.table("agenda lines", context.links)
    lines = []
    for item in items[:limit]:
        note = context.vault.note_at(item.path)
        entry = entries.get(id(item))
        if entry is None or entry[0] is not item or entry[1] is not note:
            entry = entries[id(item)] = (item, note, bullet(_agenda_line(context, item, note)))
        lines.append(entry[2])
    return f"**{heading}**\n\n" + "\n".join(lines or [bullet("Nothing here.")])


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
        "referrals",
        tuple(sorted(arguments.items())),
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
    by_field = context.groups("contacts by field", _field_name)
    interviews_version = (
        context.cache.interviews_by_contact().version if context.cache is not None else None
    )
    counts: dict[str, Sequence[Note]] = {}
    for name, members in by_field.members.items():
        heard = context.memo(
            f"fields: heard {sorted(arguments.items())!r}",
            name,
            (members, interviews_version, context.today_token),
            partial(_heard, context, _kept(context, "fields", name, members, arguments)),
        )
        if heard:
            counts[name] = heard
    if not counts:
        return "_Nobody interviewed yet._"
    names = sorted(
        counts,
        key=lambda n: (-len(counts[n]), normalize(n), context.position(counts[n][0])),
    )
    if "limit" in arguments:
        names = names[: int(arguments["limit"])]
    rows = [
        context.memo(
            "field row",
            name,
            (context.links, *counts[name]),
            partial(_field_row, context, name, counts[name]),
        )
        for name in names
    ]
    return "\n".join([*_table_head(["Field", "People interviewed", "Who", "Note"]), *rows])


def _heard(context: ViewContext, contacts: Sequence[Note]) -> tuple[Note, ...]:
    """The contacts interviewed on or before the context's date."""
    # Whether a contact was: a function of the contact, its interviews and the date.
    entries = context.table("heard", context.today_token)
    by_contact = context.interviews_by_contact
    heard = []
    for contact in contacts:
        interviews = by_contact.get(contact.id, ())
        entry = entries.get(contact.id)
        if entry is None or entry[0] is not contact or entry[1] is not interviews:
            held = [as_moment(i.frontmatter.get("date")) for i in interviews]
            was = any(m is not None and day_of(m) <= context.today for m in held)
            entry = entries[contact.id] = (contact, interviews, was)
        if entry[2]:
            heard.append(contact)
    return tuple(heard)


def _field_row(context: ViewContext, name: str, people: Sequence[Note]) -> str:
    people = sorted(people, key=context.sort_title)
    note = (
        f"only {len(people)}: talk to more people before judging the field"
        if len(people) < FEW_OPINIONS
        else ""
    )
    who = Markdown(", ".join(context.link(p) for p in people))
    return table_row([name, len(people), who, note])
