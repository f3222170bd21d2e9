"""Ready-to-edit emails from the notes: the first request and the thank-you.

The wording comes from templates a vault can override: ``outreach.md`` and
``thank-you.md`` in its templates folder, with ``{{placeholders}}``. The first line is
``Subject: ...``, then a blank line, then the body.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import quote

from vault_tools.agenda import contact_of
from vault_tools.dates import as_moment, day_of
from vault_tools.model import Note
from vault_tools.render.text import one_line
from vault_tools.vault import Vault

MAX_OUTREACH_WORDS = 150
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")

OUTREACH = """\
Subject: Learning about {{field}}{{at_organization}}

Dear {{first_name}},

{{how_found}} I am exploring a move into {{field}} and am researching the field by talking with people who work in it.

Would you have 20 to 30 minutes for a conversation in the coming weeks, at your workplace, over coffee, by phone or by video, whichever suits you best? I would value hearing how you got into your work and what it is like day to day. I am not asking about jobs; I am trying to learn.

Thank you for considering it.

Best regards,
{{my_name}}
"""

THANK_YOU = """\
Subject: Thank you for your time{{on_date}}

Dear {{first_name}},

Thank you for taking the time to talk with me{{on_date}}. {{discussed}}

{{suggested}}I will let you know how my exploration of {{field}} goes.

With thanks,
{{my_name}}
"""

HOW_FOUND = {
    "family": "A member of my family suggested I reach out to you.",
    "friend": "A friend suggested I reach out to you.",
    "neighbor": "We are neighbors, and I hoped you might be willing to share your experience.",
    "professor": "I am reaching out on the advice of one of my professors.",
    "coworker": "A former colleague suggested I reach out to you.",
    "alumni-directory": "I found your name in our alumni directory.",
    "linkedin": "I came across your profile on LinkedIn.",
    "professional-association": "I found your name through our professional association.",
}


class DraftError(ValueError):
    """No draft can be made (no interview for a thank-you); the message says why."""


@dataclass(frozen=True)
class Draft:
    subject: str
    body: str
    to: str | None
    warnings: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return f"Subject: {self.subject}\n\n{self.body}"

    @property
    def words(self) -> int:
        return len(self.body.split())

    def mailto(self) -> str:
        address = quote(self.to or "", safe="@")
        body = self.body.replace("\r\n", "\n").replace("\n", "\r\n")  # RFC 6068 wants CRLF
        return (
            f"mailto:{address}?subject={quote(self.subject, safe='')}&body={quote(body, safe='')}"
        )


def template(vault: Vault, name: str, default: str) -> str:
    """The vault's ``templates/NAME.md`` if it has one, else the built-in wording."""
    path = vault.root / vault.templates_folder / f"{name}.md"
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return default


def fill(text: str, values: dict[str, str]) -> tuple[str, str]:
    """(subject, body) of a template; unknown placeholders stay visible to be noticed."""
    filled = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
    filled = filled.replace("\r\n", "\n")
    first, _, rest = filled.partition("\n")
    if first.lower().startswith("subject:"):
        return first.split(":", 1)[1].strip(), rest.lstrip("\n")
    return "", filled


def _text_field(contact: Note, key: str) -> str:
    """A frontmatter field as one line of text; "" for anything that is not text."""
    value = contact.frontmatter.get(key)
    return one_line(value) if isinstance(value, str) else ""


def _common(vault: Vault, contact: Note) -> dict[str, str]:
    # Names and fields are filled in on one line: a line break in a file name or a field
    # cannot end the Subject: line early or add a line of its own.
    organization = _text_field(contact, "organization")
    field = _text_field(contact, "field")
    name = one_line(contact.title)
    return {
        "name": name,
        "first_name": name.split()[0] if name else name,
        "organization": organization or "your organization",
        "at_organization": f" at {organization}" if organization else "",
        "role": _text_field(contact, "role") or "your role",
        # A missing field stays a visible placeholder to fill in, not vague wording.
        "field": field or "[field]",
        "my_name": one_line(vault.config.my_name or "") or "[Your name]",
    }


def outreach(vault: Vault, contact: Note) -> Draft:
    values = _common(vault, contact)
    referrer = next(
        (
            vault.linked_note(link, contact)
            for link in contact.links
            if link.in_frontmatter and link.key == "referred_by"
        ),
        None,
    )
    source = str(contact.frontmatter.get("source") or "")
    if referrer is not None:
        values["how_found"] = f"{one_line(referrer.title)} suggested I get in touch with you."
    else:
        values["how_found"] = HOW_FOUND.get(
            source, f"I am reaching out because of your work in {values['field']}."
        )
    values["referrer"] = one_line(referrer.title) if referrer else ""
    subject, body = fill(template(vault, "outreach", OUTREACH), values)
    warnings = []
    draft = Draft(subject, body, _email(contact))
    if not _text_field(contact, "field"):
        warnings.append(f"{contact.title} has no `field` in {contact.path}; fill in [field]")
    if draft.words > MAX_OUTREACH_WORDS:
        warnings.append(
            f"the body has {draft.words} words; a first request reads best under "
            f"{MAX_OUTREACH_WORDS}"
        )
    if draft.to is None:
        warnings.append(f"{contact.title} has no email address in {contact.path}")
    return Draft(subject, body, draft.to, tuple(warnings))


def thank_you(vault: Vault, contact: Note, today: dt.date) -> Draft:
    interviews = []
    for note in vault.notes_of_type("interview"):
        if note.is_template or contact_of(vault, note) != contact:
            continue
        held = as_moment(note.frontmatter.get("date"))
        if held is not None and day_of(held) <= today:
            interviews.append((day_of(held), note.id, note))
    if not interviews:
        raise DraftError(
            f"no interview with {contact.title} on or before {today}; "
            "create one with `vault-tools new interview`"
        )
    held_day, _, interview = max(interviews)
    values = _common(vault, contact)
    values["on_date"] = f" on {held_day.strftime('%B')} {held_day.day}"
    topics = one_line(section_summary(interview.body, "Notes"))
    values["discussed"] = (
        f"I especially appreciated what you shared about {topics}."
        if topics
        else "I learned a great deal from our conversation."
    )
    suggested = [
        vault.linked_note(link, interview)
        for link in interview.links
        if link.in_frontmatter and link.key == "referrals"
    ]
    names = [one_line(note.title) for note in suggested if note is not None]
    names += [
        one_line(link.target)
        for link in interview.links
        if link.in_frontmatter
        and link.key == "referrals"
        and vault.linked_note(link, interview) is None
    ]
    values["suggested"] = (
        f"Thank you also for suggesting I speak with {_and(names)}; I will reach out to them. "
        if names
        else ""
    )
    subject, body = fill(template(vault, "thank-you", THANK_YOU), values)
    to = _email(contact)
    warnings = () if to else (f"{contact.title} has no email address in {contact.path}",)
    return Draft(subject, body, to, warnings)


def section_summary(body: str, heading: str) -> str:
    """What the first item of section ``## heading`` is about, as a short phrase:
    ``**A typical week:** two or three...`` gives "a typical week"; an item without such
    a label gives "" (the draft then thanks in general terms)."""
    match = re.search(
        rf"^#+\s*{re.escape(heading)}\s*$(.*?)(?=^#+\s|\Z)",
        body,
        re.MULTILINE | re.DOTALL | re.IGNORECASE,
    )
    if not match:
        return ""
    for line in match.group(1).splitlines():
        text = re.sub(r"[*_`]+", "", line).strip().lstrip("-+>0123456789. ").strip()
        text = re.sub(r"\[\[(?:[^\]|]*\|)?([^\]]*)\]\]", r"\1", text)  # [[a|b]] -> b
        if not text:
            continue
        head, colon, _ = text.partition(":")
        if not (colon and 0 < len(head.split()) <= 8):
            return ""  # a sentence of notes does not fit into the letter: say nothing
        phrase = head.strip()
        if phrase[:1].isupper() and not phrase[1:2].isupper():
            phrase = phrase[0].lower() + phrase[1:]
        return phrase
    return ""


def _and(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _email(contact: Note) -> str | None:
    value = contact.frontmatter.get("email")
    return one_line(value) if isinstance(value, str) and value.strip() else None
