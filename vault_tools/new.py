"""Create notes and vaults: `new contact`, `new interview` and `init`.

New notes are written with python-frontmatter (keys in the order given, dates as
dates), only ever as new files: nothing existing is overwritten, and no name can reach
outside the vault.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vault_tools.blocks import create_atomically
from vault_tools.errors import NotWritten
from vault_tools.links import normalize
from vault_tools.model import Note
from vault_tools.vault import Vault

# Characters Windows, macOS or Obsidian reject in file names (Obsidian: links break).
_UNSAFE = re.compile(r'[*"\\/<>:|?#^\[\]\x00-\x1f\x7f]')
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$", re.IGNORECASE)
MAX_NAME_LENGTH = 150


class NewNoteError(ValueError):
    """The note cannot be created; the message says why and nothing was written."""


def safe_name(name: str) -> str:
    """``name`` as a file name every system and Obsidian accept (without ``.md``).

    Unsafe characters become ``-``, leading dots and surrounding spaces go, Windows'
    reserved names get a ``_``. Raises NewNoteError when nothing usable is left.
    """
    cleaned = unicodedata.normalize("NFC", name)
    cleaned = _UNSAFE.sub("-", cleaned)
    cleaned = " ".join(cleaned.split()).strip(" .")
    cleaned = cleaned.lstrip(".").strip()
    if len(cleaned.encode("utf-8")) > MAX_NAME_LENGTH:
        cleaned = cleaned.encode("utf-8")[:MAX_NAME_LENGTH].decode("utf-8", "ignore").strip(" .")
    if _WINDOWS_RESERVED.match(cleaned):
        cleaned += "_"
    if not cleaned.strip("-"):
        raise NewNoteError(f"{name!r} leaves nothing usable as a file name")
    return cleaned


def contacts_folder(vault: Vault, note_type: str) -> str:
    """Where notes of ``note_type`` go: a folder the config maps to it, else the plural."""
    for folder, mapped in sorted(vault.config.type_folders.items()):
        if mapped == note_type and folder:
            return folder
    return {"contact": "contacts", "interview": "interviews"}.get(note_type, note_type + "s")


def one_note(vault: Vault, name: str, note_type: str) -> Note | None:
    """The single note of ``note_type`` called ``name``; None if there is none.
    NewNoteError when several match."""
    found = vault.find_notes(name, note_type)
    if len(found) > 1:
        raise NewNoteError(
            f"{name!r} matches several {note_type} notes: "
            f"{', '.join(n.path for n in found)}; write the note id"
        )
    return found[0] if found else None


@dataclass
class Planned:
    """A note to write: vault-relative path and content."""

    path: str
    text: str
    extra: list[Planned] = field(default_factory=list)
    """Notes created along with it (a referrer, a contact)."""


def note_text(metadata: dict[str, Any], body: str) -> str:
    import frontmatter

    post = frontmatter.Post(body, **metadata)
    return str(frontmatter.dumps(post, sort_keys=False)) + "\n"


def plan_contact(
    vault: Vault,
    name: str,
    *,
    fields: dict[str, Any],
    referred_by: str | None = None,
    create_referrer: bool = False,
    notes: str = "",
) -> Planned:
    """The contact note ``name`` with ``fields`` (organization, role, ...).

    A ``referred_by`` name must be an existing contact unless ``create_referrer``.
    """
    title = safe_name(name)
    path = _free_path(vault, contacts_folder(vault, "contact"), title)
    metadata: dict[str, Any] = {
        "type": "contact",
        "status": fields.pop("status", None) or "identified",
    }
    source = fields.pop("source", None) or ("referral" if referred_by else "other")
    metadata["source"] = source
    extra = []
    found_through = f"Found through: {source}."
    if referred_by and normalize(safe_name(referred_by)) == normalize(title):
        raise NewNoteError(f"{name!r} cannot be referred by themselves")
    if referred_by:
        referrer = one_note(vault, referred_by, "contact")
        if referrer is None:
            if not create_referrer:
                raise NewNoteError(
                    f"no contact named {referred_by!r}; create it first or add --create-referrer"
                )
            created = plan_contact(vault, referred_by, fields={})
            extra.append(created)
            referrer_title = Path(created.path).stem
        else:
            referrer_title = referrer.title
        metadata["referred_by"] = f"[[{referrer_title}]]"
        found_through = f"Referred by [[{referrer_title}]]."
    metadata.update({key: value for key, value in fields.items() if value not in (None, "")})
    notes_text = f"{notes.strip()}\n\n" if notes.strip() else ""
    body = f"## How I found them\n\n{found_through}\n\n## Notes\n\n{notes_text}## Follow-up\n"
    return Planned(path, note_text(metadata, body), extra)


def plan_interview(
    vault: Vault,
    contact_name: str,
    *,
    date: dt.date,
    time: dt.time | None = None,
    fields: dict[str, Any],
    questions: list[str] | None = None,
    create_contact: bool = False,
) -> Planned:
    """The interview note ``interviews/YYYY-MM-DD NAME.md`` with the cycle's sections."""
    contact = one_note(vault, contact_name, "contact")
    extra = []
    if contact is None:
        if not create_contact:
            raise NewNoteError(
                f"no contact named {contact_name!r}; create it with `vault-tools new contact` "
                "or add --create-contact"
            )
        created = plan_contact(vault, contact_name, fields={"status": "scheduled"})
        extra.append(created)
        contact_title = Path(created.path).stem
    else:
        contact_title = contact.title
    title = safe_name(f"{date.isoformat()} {contact_title}")
    path = _free_path(vault, contacts_folder(vault, "interview"), title)
    held: Any = dt.datetime.combine(date, time).isoformat(timespec="minutes") if time else date
    metadata: dict[str, Any] = {
        "type": "interview",
        "contact": f"[[{contact_title}]]",
        "date": held,
    }
    metadata.update({key: value for key, value in fields.items() if value not in (None, "")})
    metadata.setdefault("objectives", [])
    metadata.setdefault("referrals", [])
    question_lines = "\n".join(f"- {q}" for q in questions or []) or "- "
    organization = (
        contact.frontmatter.get("organization") if contact else None
    ) or "their organization"
    body = (
        "## Preparation\n\n"
        f"Research on {organization}: what it does, recent news, how this role fits.\n\n"
        "Objectives (also in `objectives:` above):\n\n- \n\n"
        f"## Questions\n\n{question_lines}\n\n"
        "## Notes\n\n"
        "## Reflection\n\n"
        "- What did I like?\n"
        "- New concerns or advantages?\n"
        "- How does this clarify my objectives?\n"
        "- Another occupation to learn about?\n"
        "- Next steps?\n\n"
        "## Referrals\n\n"
        'People they suggested (add each to `referrals:` above as `"[[Name]]"`).\n\n'
        "## Thank-you\n\n"
        f"Send within {vault.config.thank_you_hours} hours, then set `thank_you_sent:`.\n"
    )
    return Planned(path, note_text(metadata, body), extra)


def _free_path(vault: Vault, folder: str, title: str) -> str:
    """``folder/title.md``, refused if it exists or differs only in case from a note."""
    relative = f"{folder}/{title}.md" if folder else f"{title}.md"
    absolute = (vault.root / relative).resolve()
    root = vault.root.resolve()
    if root != absolute and root not in absolute.parents:
        raise NewNoteError(f"{relative!r} would be outside the vault")
    if absolute.exists():
        raise NewNoteError(f"{relative} already exists; it was left as it is")
    for note in vault.notes.values():
        if normalize(note.path) == normalize(relative):
            raise NewNoteError(f"{relative} differs only in case from the existing {note.path}")
    return relative


def schema_problems_of(vault: Vault, planned: Planned) -> list[str]:
    """What the schema says about the planned notes, as messages (empty when valid)."""
    from vault_tools.parse import parse_note
    from vault_tools.rules.fields import schema_problems

    problems = []
    for item in [*planned.extra, planned]:
        note = vault.typed(parse_note(item.path, item.text.encode("utf-8")).note)
        problems += [
            f"{item.path}: {d.message}" + (f" ({d.fix})" if d.fix else "")
            for d in schema_problems(vault, note)
        ]
    return problems


def write_new(vault: Vault, planned: Planned) -> list[str]:
    """Create the planned notes (extras first); returns the paths written.

    Each file is created exclusively: if it appeared meanwhile, it is left alone and
    NewNoteError says so; a failed write (disk full, read-only) raises NotWritten.
    """
    items = [*planned.extra, planned]
    paths = [normalize(item.path) for item in items]
    if len(set(paths)) != len(paths):
        raise NewNoteError(f"{planned.path} would be written twice; nothing was written")
    written: list[str] = []
    for item in items:
        target = vault.root / item.path
        done = f" (already written: {', '.join(written)})" if written else ""
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            create_atomically(target, item.text.encode("utf-8"))
        except FileExistsError:
            raise NewNoteError(f"{item.path} already exists; it was left as it is{done}") from None
        except OSError as error:
            raise NotWritten(
                f"{item.path}: cannot be written: {error.strerror or error}; "
                f"it was not created{done}"
            ) from None
        written.append(item.path)
    return written


# -- init ------------------------------------------------------------------------------

CONFIG_TEMPLATE = """\
# vault-tools configuration. Every key is optional; these are the defaults.
# The README's "Configuration" section explains each one.

# Globs of Markdown files that are not notes (without "/" they match a name anywhere).
ignore = []

# The Obsidian templates folder: its notes hold {{placeholders}}, not YAML.
templates = "templates"

# Hours after an interview within which a thank-you note is due.
thank_you_hours = 24

# Days that are not business days, besides weekends, e.g. [2026-12-25].
holidays = []

[agenda]
# The 3B7 rule, in business days: no reply after 3, try someone else there;
# after 7, follow up once with the first person.
try_another_after = 3
follow_up_after = 7
# How many days ahead to look for interviews to prepare.
upcoming_days = 7

[types]
# The frontmatter key that holds a note's type (contact, interview, organization).
key = "type"
# Type notes by folder or tag instead, for vaults that have no `type:` fields:
# folders = { "People" = "contact" }
# tags = { "meeting" = "interview" }

[lint]
select = []          # rule names, codes or prefixes (VT3); empty means every rule
ignore = []
fail_on = "error"

# [questions]        # your own questions for `vault-tools questions`, by category
# "Work Environment" = ["How do people here disagree?"]
"""

CONTACT_TEMPLATE = """\
---
type: contact
status: identified
source:
organization:
role:
field:
email:
linkedin:
contacted_on:
last_contact:
---
# {{title}}

## How I found them

## Notes

## Follow-up
"""

INTERVIEW_TEMPLATE = """\
---
type: interview
contact:
date: {{date}}
format:
location:
duration_minutes: 30
objectives: []
referrals: []
thank_you_sent:
---
## Preparation

## Questions

## Notes

## Reflection

- What did I like?
- New concerns or advantages?
- How does this clarify my objectives?
- Another occupation to learn about?
- Next steps?

## Referrals

## Thank-you
"""

HOME_TEMPLATE = """\
# Home

Your informational-interview vault. The sections below are generated:
`vault-tools index` rewrites the text between each pair of `vault-tools:begin` and
`vault-tools:end` comments, and `vault-tools watch` keeps them current as you write.
Write anywhere else in this note.

Start with `vault-tools new contact "Full Name" --source alumni-directory`, then
`vault-tools agenda` tells you what to do next.

## Follow-ups

<!-- vault-tools:begin follow-ups -->
<!-- vault-tools:end follow-ups -->

## Contacts

<!-- vault-tools:begin contacts -->
<!-- vault-tools:end contacts -->

## Interviews

<!-- vault-tools:begin interviews -->
<!-- vault-tools:end interviews -->

## Referrals

<!-- vault-tools:begin referrals -->
<!-- vault-tools:end referrals -->

## Organizations

<!-- vault-tools:begin organizations -->
<!-- vault-tools:end organizations -->

## Career fields

<!-- vault-tools:begin fields -->
<!-- vault-tools:end fields -->
"""

INIT_FILES = {
    ".vault-tools.toml": CONFIG_TEMPLATE,
    "templates/Contact.md": CONTACT_TEMPLATE,
    "templates/Interview.md": INTERVIEW_TEMPLATE,
    "Home.md": HOME_TEMPLATE,
}
INIT_FOLDERS = ("contacts", "interviews", "organizations", "templates")


@dataclass
class InitResult:
    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def init_vault(root: Path) -> InitResult:
    """Create the folders and starter files of a vault; existing files are skipped."""
    result = InitResult()
    root.mkdir(parents=True, exist_ok=True)
    for folder in INIT_FOLDERS:
        (root / folder).mkdir(exist_ok=True)
    for relative, text in INIT_FILES.items():
        target = root / relative
        try:
            create_atomically(target, text.encode("utf-8"))
        except FileExistsError:
            result.skipped.append(relative)
            continue
        result.created.append(relative)
    if "Home.md" in result.created:
        _fill_index(root)
    return result


def _fill_index(root: Path) -> None:
    """Generate the new Home note's blocks, so that `index --check` passes at once. Only
    its: the blocks of notes that were there before are the user's to regenerate."""
    from vault_tools.index import plan_index, write_plan

    write_plan(plan_index(Vault.load(root), only={"Home.md"}))


def example_vault_source() -> Path | None:
    """The example vault: installed inside the package, or beside it in a source checkout
    (and an editable install)."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "example_vault", package.parent / "example_vault"):
        if candidate.is_dir():
            return candidate
    return None


def copy_example(root: Path) -> InitResult:
    """Copy the example vault into ``root``; files that already exist are skipped. The
    Home note's blocks are brought up to today, as a new vault's are."""
    source = example_vault_source()
    if source is None:
        raise NewNoteError(
            "the example vault is missing from this installation of vault-tools; "
            "reinstall it, or copy example_vault/ from the source repository"
        )
    result = InitResult()
    for folder, _, files in os.walk(source):
        for name in sorted(files):
            origin = Path(folder) / name
            relative = origin.relative_to(source).as_posix()
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                create_atomically(target, origin.read_bytes())
            except FileExistsError:
                result.skipped.append(relative)
                continue
            result.created.append(relative)
    if "Home.md" in result.created:
        _fill_index(root)  # its date views as of today, not of the day it was written
    return result
