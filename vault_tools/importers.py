"""Bring contacts in: LinkedIn's Connections.csv and vCard files (through vobject).

Reading turns a file into ContactRecords; planning matches each record against the
vault's contacts (LinkedIn URL, then email, then name) and decides what to create,
what to fill in (``--update``: only empty fields, through the byte-preserving
writer of ``set``) and what to skip. Nothing is written until ``apply_import``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from vault_tools.blocks import NoteChanged
from vault_tools.edit import Assignment, EditError, assignment_for, set_fields
from vault_tools.errors import NotWritten
from vault_tools.links import normalize
from vault_tools.model import Note
from vault_tools.new import NewNoteError, Planned, plan_contact, safe_name, write_new
from vault_tools.vault import Vault

LINKEDIN_COLUMNS = (
    "First Name",
    "Last Name",
    "URL",
    "Email Address",
    "Company",
    "Position",
    "Connected On",
)
REQUIRED_LINKEDIN_COLUMNS = ("First Name", "Last Name")


class ImportProblem(ValueError):
    """The file cannot be imported; the message names the file and the line."""


@dataclass(frozen=True)
class ContactRecord:
    name: str
    fields: dict[str, Any]
    where: str
    """Where it came from, for messages: ``Connections.csv:12`` or ``contacts.vcf card 3``."""
    notes: str = ""


@dataclass
class ReadResult:
    records: list[ContactRecord] = field(default_factory=list)
    nameless: int = 0
    """Rows without a name (people who left LinkedIn), skipped."""


# -- LinkedIn -----------------------------------------------------------------------------


def read_linkedin(data: bytes, name: str) -> ReadResult:
    """Records from LinkedIn's Connections.csv, whatever preamble precedes the header."""
    text = _text(data, name)
    rows = list(_csv_rows(text, name))
    header_index = next(
        (
            index
            for index, (_, row) in enumerate(rows)
            if {"first name", "last name"} <= {cell.strip().casefold() for cell in row}
        ),
        None,
    )
    if header_index is None:
        raise ImportProblem(
            f"{name}: no header row with {', '.join(LINKEDIN_COLUMNS)}; is this LinkedIn's "
            "Connections.csv export?"
        )
    header_line, header = rows[header_index]
    columns = {cell.strip().casefold(): index for index, cell in enumerate(header)}
    result = ReadResult()
    for line, row in rows[header_index + 1 :]:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            raise ImportProblem(
                f"{name}:{line}: has {len(row)} of the header's {len(header)} columns; "
                "is the file cut short? Nothing was imported"
            )

        def cell(column: str, row: list[str] = row) -> str:
            index = columns.get(column.casefold())
            return row[index].strip() if index is not None and index < len(row) else ""

        full_name = " ".join(part for part in (cell("First Name"), cell("Last Name")) if part)
        if not full_name:
            result.nameless += 1
            continue
        fields: dict[str, Any] = {
            "organization": cell("Company") or None,
            "role": cell("Position") or None,
            "linkedin": cell("URL") or None,
            "email": cell("Email Address") or None,
        }
        connected = _linkedin_date(cell("Connected On"))
        if connected is not None:
            fields["connected_on"] = connected
        result.records.append(ContactRecord(full_name, fields, f"{name}:{line}"))
    return result


def _csv_rows(text: str, name: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows = []
    try:
        for row in reader:
            rows.append((reader.line_num, row))
    except csv.Error as error:
        raise ImportProblem(f"{name}:{reader.line_num}: not valid CSV: {error}") from None
    return rows


def _linkedin_date(text: str) -> dt.date | None:
    for pattern in ("%d %b %Y", "%d %B %Y", "%Y-%m-%d", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def _text(data: bytes, name: str) -> str:
    if b"\x00" in data[:4096]:
        raise ImportProblem(f"{name}: is a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ImportProblem(f"{name}:{line}: is not UTF-8 text") from None


# -- vCard ----------------------------------------------------------------------------------


def read_vcards(data: bytes, name: str) -> ReadResult:
    """Records from a vCard 3.0 or 4.0 file (several cards, folded lines, quoted-printable)."""
    import vobject

    text = _without_photos(_text(data, name))
    if "BEGIN:VCARD" not in text.upper():
        raise ImportProblem(f"{name}: holds no vCard (no BEGIN:VCARD line)")
    result = ReadResult()
    try:
        for number, card in enumerate(vobject.readComponents(text, ignoreUnreadable=True), 1):
            if card.name.upper() != "VCARD":
                continue
            record = _card_record(card, f"{name} card {number}")
            if record is None:
                result.nameless += 1
            else:
                result.records.append(record)
    except Exception as error:  # noqa: BLE001 - vobject raises many kinds for bad input
        raise ImportProblem(f"{name}: cannot be read as vCard: {error}") from None
    return result


def _without_photos(text: str) -> str:
    """The vCard text without PHOTO and LOGO properties (and their folded lines): photos
    are not imported, and a damaged one must not stop the import."""
    kept: list[str] = []
    skipping = False
    for line in text.splitlines(keepends=True):
        if line[:1] in (" ", "\t"):
            if not skipping:
                kept.append(line)
            continue
        name = line.split(":", 1)[0].split(";", 1)[0].strip().upper()
        skipping = name.rsplit(".", 1)[-1] in ("PHOTO", "LOGO")
        if not skipping:
            kept.append(line)
    return "".join(kept)


def _card_record(card: Any, where: str) -> ContactRecord | None:
    def first(key: str) -> Any:
        items = card.contents.get(key)
        return items[0].value if items else None

    full_name = str(first("fn") or "").strip()
    if not full_name and first("n") is not None:
        n = first("n")
        full_name = " ".join(
            str(part) for part in (n.prefix, n.given, n.additional, n.family) if part
        ).strip()
    if not full_name:
        return None
    organization = first("org")
    if isinstance(organization, list):
        organization = organization[0] if organization else None
    urls = [str(item.value) for item in card.contents.get("url", [])]
    linkedin = next((url for url in urls if "linkedin.com" in url.lower()), None)
    categories: list[str] = []
    for item in card.contents.get("categories", []):
        value = item.value
        categories.extend(value if isinstance(value, list) else str(value).split(","))
    fields: dict[str, Any] = {
        "organization": str(organization).strip() if organization else None,
        "role": str(first("title") or "").strip() or None,
        "email": str(first("email") or "").strip() or None,
        "phone": str(first("tel") or "").strip() or None,
        "linkedin": linkedin,
        "tags": [c.strip() for c in categories if c.strip()] or None,
    }
    notes = str(first("note") or "").strip()
    return ContactRecord(full_name, fields, where, notes)


# -- matching and planning ---------------------------------------------------------------


@dataclass
class ImportPlan:
    create: list[Planned] = field(default_factory=list)
    update: list[tuple[Note, list[Assignment]]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(name, why) for records that match a note and change nothing, or cannot be used."""
    nameless: int = 0
    duplicates: int = 0
    """Records that repeat an earlier record of the same file."""


def _url_key(url: str) -> str:
    url = url.strip().casefold()
    for prefix in ("https://", "http://"):
        url = url.removeprefix(prefix)
    return url.removeprefix("www.").split("?", 1)[0].rstrip("/")


class _Index:
    """Contacts by LinkedIn URL, email and name, growing as the import plans new ones."""

    def __init__(self, vault: Vault) -> None:
        self.by_key: dict[tuple[str, str], Note | str] = {}
        for note in vault.notes_of_type("contact"):
            self.add(note, normalize(note.title), note.frontmatter)

    def add(self, owner: Note | str, title: str, fields: dict[str, Any]) -> None:
        for key in [*self.identity(fields), ("name", title)]:
            self.by_key.setdefault(key, owner)

    @staticmethod
    def identity(fields: dict[str, Any]) -> list[tuple[str, str]]:
        """The keys that tell people apart: LinkedIn URL and email."""
        keys = []
        if isinstance(fields.get("linkedin"), str) and fields["linkedin"].strip():
            keys.append(("linkedin", _url_key(fields["linkedin"])))
        if isinstance(fields.get("email"), str) and fields["email"].strip():
            keys.append(("email", fields["email"].strip().casefold()))
        return keys

    def find(self, title: str, fields: dict[str, Any]) -> Note | str | None:
        for key in [*self.identity(fields), ("name", title)]:
            if key in self.by_key:
                return self.by_key[key]
        return None


def plan_import(vault: Vault, read: ReadResult, *, source: str, update: bool) -> ImportPlan:
    plan = ImportPlan(nameless=read.nameless)
    index = _Index(vault)
    seen_in_file: set[tuple[str, str]] = set()
    for record in read.records:
        fields = {key: value for key, value in record.fields.items() if value not in (None, "")}
        try:
            title = normalize(safe_name(record.name))
        except NewNoteError as error:
            plan.skipped.append((record.name, f"{record.where}: {error}"))
            continue
        # The same person twice in one file: same URL or email (or, without either, name).
        identity = set(_Index.identity(fields)) or {("name", title)}
        if seen_in_file & identity:
            plan.duplicates += 1
            continue
        seen_in_file |= identity
        match = index.find(title, fields)
        if isinstance(match, str):
            plan.skipped.append(
                (
                    record.name,
                    f"{record.where}: another person of this name is "
                    f"in this file ({match}); add them by hand",
                )
            )
            continue
        if match is not None:
            missing = {
                key: value
                for key, value in fields.items()
                if match.frontmatter.get(key) in (None, "", [])
            }
            if update and missing:
                plan.update.append((match, [assignment_for(k, v) for k, v in missing.items()]))
            else:
                reason = "already in the vault" + (
                    f" (--update would fill {', '.join(sorted(missing))})" if missing else ""
                )
                plan.skipped.append((match.path, reason))
            continue
        planned = _valid_contact(vault, record, fields, source, plan)
        if planned is not None:
            plan.create.append(planned)
            index.add(planned.path, title, fields)
    return plan


def _valid_contact(
    vault: Vault, record: ContactRecord, fields: dict[str, Any], source: str, plan: ImportPlan
) -> Planned | None:
    """The contact note for ``record``; fields the schema rejects (an email without @)
    are left out and said so, rather than writing a note that fails lint."""
    from vault_tools.new import schema_problems_of

    for _ in range(2):
        try:
            planned = plan_contact(
                vault, record.name, fields={**fields, "source": source}, notes=record.notes
            )
        except NewNoteError as error:
            plan.skipped.append((record.name, f"{record.where}: {error}"))
            return None
        problems = schema_problems_of(vault, planned)
        if not problems:
            return planned
        rejected = {problem.split(": ", 2)[1].split(" ")[0] for problem in problems}
        kept = {key: value for key, value in fields.items() if key not in rejected}
        if kept == fields:
            break
        plan.skipped.append(
            (
                record.name,
                f"{record.where}: left out {', '.join(sorted(rejected))} ({'; '.join(problems)})",
            )
        )
        fields = kept
    plan.skipped.append((record.name, f"{record.where}: {'; '.join(problems)}"))
    return None


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def apply_import(vault: Vault, plan: ImportPlan) -> ImportResult:
    result = ImportResult()
    for planned in plan.create:
        try:
            result.created.extend(write_new(vault, planned))
        except (NewNoteError, NotWritten, OSError) as error:
            result.failed.append((planned.path, str(error)))
    for note, assignments in plan.update:
        try:
            written, _ = set_fields(vault, note, assignments)
        except (EditError, NoteChanged, OSError) as error:
            result.failed.append((note.path, str(error)))
            continue
        if written:
            result.updated.append(note.path)
    return result
