"""The index views that generated blocks hold: Markdown built from the vault.

Each view is a pure function of the vault, its arguments and the date; the output is
deterministic (stable order, no timestamps), links are wikilinks and ``|`` inside
table cells is escaped. Names and fields are text (``vault_tools.render.text``): none can
break a row or a line, nor become a link, a comment or a block marker.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from vault_tools.agenda import FEW_OPINIONS, AgendaItem, agenda
from vault_tools.dates import as_moment, day_of
from vault_tools.links import normalize
from vault_tools.model import Note
from vault_tools.render.text import bullet, linkable, markdown_text
from vault_tools.vault import Vault


class ViewError(ValueError):
    """An unknown view or argument; the message says which and what is allowed."""


@dataclass
class ViewContext:
    vault: Vault
    today: dt.date
    thank_you_hours: int = 24
    interviews_by_contact: dict[str, list[Note]] = field(init=False)

    def __post_init__(self) -> None:
        self.interviews_by_contact = {}
        for interview in self.vault.notes_of_type("interview"):
            contact = self.contact_of(interview)
            if contact is not None:
                self.interviews_by_contact.setdefault(contact.id, []).append(interview)

    def contact_of(self, interview: Note) -> Note | None:
        for link in interview.links:
            if link.in_frontmatter and link.key == "contact":
                target = self.vault.linked_note(link, interview)
                if target is not None and target.note_type == "contact":
                    return target
        return None

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
        seen: dict[str, int] = {}
        for note in self.vault.notes.values():
            key = normalize(note.title)
            seen[key] = seen.get(key, 0) + 1
        return {title for title, count in seen.items() if count > 1}

    def link(self, note: Note, label: str | None = None) -> str:
        """A wikilink that resolves to ``note``: by title, or by path when titles clash.
        A name no wikilink can hold (``[ ] | # ^``, a line break, ...) stays plain text."""
        target = note.id if normalize(note.title) in self.ambiguous_titles else note.title
        shown = label if label is not None else note.title
        if not (linkable(target) and linkable(shown)):
            return markdown_text(shown)
        return f"[[{target}]]" if shown == target else f"[[{target}|{shown}]]"

    def last_contact(self, contact: Note) -> dt.date | None:
        moments = [as_moment(contact.frontmatter.get("last_contact"))]
        moments += [
            as_moment(i.frontmatter.get("date"))
            for i in self.interviews_by_contact.get(contact.id, [])
        ]
        days = [day_of(moment) for moment in moments if moment is not None]
        past = [day for day in days if day <= self.today]
        return max(past) if past else None


ViewFunction = Callable[[ViewContext, dict[str, str]], str]


@dataclass(frozen=True)
class View:
    name: str
    summary: str
    note_type: str | None
    """Notes of this type can be filtered on any of their fields."""
    render: ViewFunction
    sortable: tuple[str, ...] = ()


VIEWS: dict[str, View] = {}


def view(
    name: str, summary: str, note_type: str | None, sortable: Iterable[str] = ()
) -> Callable[[ViewFunction], ViewFunction]:
    def register(function: ViewFunction) -> ViewFunction:
        VIEWS[name] = View(name, summary, note_type, function, tuple(sortable))
        return function

    return register


def render_view(context: ViewContext, name: str, arguments: dict[str, str]) -> str:
    """The Markdown of view ``name``. Raises ViewError for an unknown view or argument."""
    spec = validate_view(context.vault, name, arguments)
    return spec.render(context, arguments)


def validate_view(vault: Vault, name: str, arguments: dict[str, str]) -> View:
    """The view ``name``, if it exists and takes ``arguments``; else ViewError says why."""
    spec = VIEWS.get(name)
    if spec is None:
        raise ViewError(f"unknown view {name!r} (views: {', '.join(sorted(VIEWS))})")
    allowed = {"limit"} | ({"sort"} if spec.sortable else set())
    if spec.note_type is not None:
        allowed |= filterable_fields(vault, spec.note_type)
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
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


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
    notes = [n for n in context.vault.notes_of_type(note_type) if not n.is_template]
    return _filtered(notes, arguments)


def _filtered(notes: list[Note], arguments: dict[str, str]) -> list[Note]:
    for key, expected in arguments.items():
        if key not in ("sort", "limit"):
            notes = [note for note in notes if _matches(note, key, expected)]
    return notes


def _sort_key(value: Any) -> tuple[int, str]:
    """Empty values last; dates and text compare as text (ISO dates sort by time)."""
    if value is None or value == "":
        return (1, "")
    if isinstance(value, (dt.date, dt.datetime)):
        return (0, value.isoformat())
    return (0, normalize(str(value)))


def _ordered(
    rows: list[tuple[Note, dict[str, Any]]], arguments: dict[str, str], default: str
) -> list[tuple[Note, dict[str, Any]]]:
    """Rows sorted by ``sort=`` (or ``default``), ties by note id; ``limit=`` applied."""
    sort = arguments.get("sort", default)
    descending = sort.startswith("-")
    column = sort.lstrip("-")
    rows = sorted(rows, key=lambda row: row[0].id)
    present = [row for row in rows if _sort_key(row[1].get(column))[0] == 0]
    missing = [row for row in rows if _sort_key(row[1].get(column))[0] == 1]
    present.sort(key=lambda row: _sort_key(row[1].get(column)), reverse=descending)
    ordered = present + missing
    if "limit" in arguments:
        ordered = ordered[: int(arguments["limit"])]
    return ordered


def _when(value: Any) -> str:
    moment = as_moment(value)
    if moment is None:
        return "" if value is None else str(value)
    if isinstance(moment, dt.datetime):
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.isoformat()


# -- the views ------------------------------------------------------------------------------

CONTACT_COLUMNS = ("name", "organization", "role", "field", "status", "referred_by", "last_contact")


@view(
    "contacts",
    "every contact: name, organization, role, field, status, referred by, last contact",
    "contact",
    sortable=CONTACT_COLUMNS,
)
def contacts_view(context: ViewContext, arguments: dict[str, str]) -> str:
    notes = _notes(context, "contact", arguments)
    rows = []
    for note in notes:
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
        rows.append((note, values))
    ordered = _ordered(rows, arguments, "name")
    if not ordered:
        return "_No contacts match._"
    return table(
        ["Name", "Organization", "Role", "Field", "Status", "Referred by", "Last contact"],
        [
            [
                Markdown(context.link(note)),
                v["organization"],
                v["role"],
                v["field"],
                v["status"],
                v["referred_by"],
                _when(v["last_contact"]),
            ]
            for note, v in ordered
        ],
    )


INTERVIEW_COLUMNS = ("date", "contact", "format", "thank_you_sent")


@view(
    "interviews",
    "every interview, newest first: date, contact, format, thank-you sent, referrals",
    "interview",
    sortable=INTERVIEW_COLUMNS,
)
def interviews_view(context: ViewContext, arguments: dict[str, str]) -> str:
    notes = _notes(context, "interview", arguments)
    rows = []
    for note in notes:
        contact = context.contact_of(note)
        values = {
            "date": as_moment(note.frontmatter.get("date")),
            "contact": contact.title if contact else None,
            "format": note.frontmatter.get("format"),
            "thank_you_sent": as_moment(note.frontmatter.get("thank_you_sent")),
        }
        rows.append((note, values))
    ordered = _ordered(rows, arguments, "-date")
    if not ordered:
        return "_No interviews match._"
    out = []
    for note, values in ordered:
        contact_cell = Markdown(", ".join(context.linked_notes(note, "contact")))
        out.append(
            [
                Markdown(context.link(note, _when(values["date"]) or note.title)),
                contact_cell,
                values["format"],
                _when(values["thank_you_sent"]),
                Markdown(", ".join(context.linked_notes(note, "referrals"))),
            ]
        )
    return table(["Date", "Contact", "Format", "Thank-you sent", "Referrals"], out)


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
)
def follow_ups_view(context: ViewContext, arguments: dict[str, str]) -> str:
    """The agenda (``vault_tools.agenda``) as of the context's date, in four sections;
    ``limit=N`` keeps the first N items of each."""
    items = agenda(context.vault, context.today)
    limit = int(arguments["limit"]) if "limit" in arguments else None
    parts = []
    for heading, kinds in FOLLOW_UP_SECTIONS:
        lines = [_agenda_line(context, item) for item in items if item.kind in kinds][:limit]
        lines = lines or ["Nothing here."]
        parts.append(f"**{heading}**\n\n" + "\n".join(bullet(line) for line in lines))
    return "\n\n".join(parts)


def _agenda_line(context: ViewContext, item: AgendaItem) -> str:
    """One agenda item as Markdown: the people and notes it is about as wikilinks."""
    note = context.vault.note_at(item.path)
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


@view("referrals", "the referral graph as Mermaid, and the top referrers", "contact")
def referrals_view(context: ViewContext, arguments: dict[str, str]) -> str:
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


@view("organizations", "contacts grouped by organization", "contact")
def organizations_view(context: ViewContext, arguments: dict[str, str]) -> str:
    contacts = _notes(context, "contact", arguments)
    organization_notes = {
        normalize(n.title): n for n in context.vault.notes_of_type("organization")
    }
    groups: dict[str, list[Note]] = {}
    for contact in contacts:
        name = str(contact.frontmatter.get("organization") or "").strip()
        groups.setdefault(name, []).append(contact)
    if not groups:
        return "_No contacts match._"
    parts = []
    names = sorted((n for n in groups if n), key=normalize) + ([""] if "" in groups else [])
    if "limit" in arguments:
        names = names[: int(arguments["limit"])]
    for name in names:
        organization = organization_notes.get(normalize(name)) if name else None
        if organization is not None:
            heading = context.link(organization)
        else:
            heading = markdown_text(name) if name else "No organization"
        people = []
        for contact in sorted(groups[name], key=lambda n: normalize(n.title)):
            details = [
                markdown_text(str(contact.frontmatter[key]))
                for key in ("role", "status")
                if contact.frontmatter.get(key)
            ]
            suffix = f" ({', '.join(details)})" if details else ""
            people.append(bullet(f"{context.link(contact)}{suffix}"))
        parts.append(f"**{heading}**\n\n" + "\n".join(people))
    return "\n\n".join(parts)


@view(
    "fields",
    "people interviewed per career field, flagging fields with fewer than three",
    "contact",
)
def fields_view(context: ViewContext, arguments: dict[str, str]) -> str:
    counts: dict[str, list[Note]] = {}
    contacts = _notes(context, "contact", arguments)
    for contact in contacts:
        field_name = str(contact.frontmatter.get("field") or "").strip()
        held = [
            as_moment(i.frontmatter.get("date"))
            for i in context.interviews_by_contact.get(contact.id, [])
        ]
        if field_name and any(m is not None and day_of(m) <= context.today for m in held):
            counts.setdefault(field_name, []).append(contact)
    if not counts:
        return "_Nobody interviewed yet._"
    rows = []
    names = sorted(counts, key=lambda n: (-len(counts[n]), normalize(n)))
    if "limit" in arguments:
        names = names[: int(arguments["limit"])]
    for name in names:
        people = sorted(counts[name], key=lambda n: normalize(n.title))
        note = (
            f"only {len(people)}: talk to more people before judging the field"
            if len(people) < FEW_OPINIONS
            else ""
        )
        who = Markdown(", ".join(context.link(p) for p in people))
        rows.append([name, len(people), who, note])
    return table(["Field", "People interviewed", "Who", "Note"], rows)
