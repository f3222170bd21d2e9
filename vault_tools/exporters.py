"""Take plans and contacts out: iCalendar (through icalendar), CSV and vCard 4.0 (vobject).

Each function returns the file's content; the CLI decides where it goes.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from typing import Any
from urllib.parse import quote

from vault_tools.agenda import add_business_days, contact_of
from vault_tools.dates import as_moment, day_of
from vault_tools.model import Note
from vault_tools.vault import Vault

PRODUCT_ID = "-//vault-tools//informational interviews//EN"
DEFAULT_DURATION_MINUTES = 30
MAX_DURATION_MINUTES = 24 * 60


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value: str) -> str:
    """A text value for iCalendar or vCard: the libraries escape line breaks, ``,`` and
    ``;``; the control characters neither format allows become U+FFFD."""
    return _CONTROL.sub("\ufffd", value)


def _uid(note: Note, kind: str) -> str:
    """Stable per note and kind: re-importing the file updates events, never duplicates."""
    digest = hashlib.sha1(f"{note.id}\x00{kind}".encode()).hexdigest()[:20]
    return f"{digest}-{kind}@vault-tools"


def obsidian_uri(vault: Vault, note: Note) -> str:
    return f"obsidian://open?vault={quote(vault.root.resolve().name)}&file={quote(note.path)}"


def to_ics(vault: Vault, *, today: dt.date, timezone: str | None = None) -> bytes:
    """Interviews as events; thank-yous due and 3B7 follow-up checkpoints as to-dos.

    Times without a zone are floating (local wherever the calendar is), unless
    ``timezone`` (an IANA name such as Europe/Paris) is given. Raises ValueError for an
    unknown time zone. A date at the calendar's very end (9999-12-31) is left out.
    """
    import icalendar

    zone = _zone(timezone)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Informational interviews")
    stamp = dt.datetime.combine(today, dt.time(0, 0), tzinfo=dt.UTC)
    for note in sorted(vault.notes_of_type("interview"), key=lambda n: n.id):
        held = as_moment(note.frontmatter.get("date"))
        if held is None or note.is_template:
            continue
        try:
            for component in _interview_components(vault, note, held, stamp, zone):
                calendar.add_component(component)
        except OverflowError:
            continue
    for contact in sorted(vault.notes_of_type("contact"), key=lambda n: n.id):
        try:
            for component in _follow_up_components(vault, contact, stamp):
                calendar.add_component(component)
        except OverflowError:
            continue
    return bytes(calendar.to_ical())


def _interview_components(
    vault: Vault, note: Note, held: dt.date, stamp: dt.datetime, zone: dt.tzinfo | None
) -> list[Any]:
    import icalendar

    contact = contact_of(vault, note)
    who = _text(contact.title if contact else note.title)
    organization = contact.frontmatter.get("organization") if contact else None
    event = icalendar.Event()
    event.add("uid", _uid(note, "interview"))
    event.add("dtstamp", stamp)
    event.add(
        "summary",
        f"Informational interview: {who}"
        + (f" ({_text(organization)})" if isinstance(organization, str) and organization else ""),
    )
    start = _localized(held, zone)
    event.add("dtstart", start)
    minutes = note.frontmatter.get("duration_minutes")
    if not (isinstance(minutes, int) and 0 < minutes <= MAX_DURATION_MINUTES):
        minutes = DEFAULT_DURATION_MINUTES
    length = dt.timedelta(minutes=minutes)
    event.add(
        "dtend", start + length if isinstance(start, dt.datetime) else start + dt.timedelta(days=1)
    )
    location = note.frontmatter.get("location")
    if isinstance(location, str) and location.strip():
        event.add("location", _text(location.strip()))
    uri = obsidian_uri(vault, note)
    event.add("url", uri)
    event.add("description", f"Note: {_text(note.path)}\n{uri}")
    components = [event]
    if note.frontmatter.get("thank_you_sent") in (None, ""):
        hours = vault.config.thank_you_hours
        due: dt.date = (
            held + dt.timedelta(hours=hours)
            if isinstance(held, dt.datetime)
            else day_of(held) + dt.timedelta(days=max(1, -(-hours // 24)))
        )
        components.append(
            _todo(
                icalendar,
                _uid(note, "thank-you"),
                stamp,
                f"Send a thank-you to {who}",
                _localized(due, zone),
                f"Interview note: {_text(note.path)}\n{uri}",
            )
        )
    return components


def _follow_up_components(vault: Vault, contact: Note, stamp: dt.datetime) -> list[Any]:
    """The 3B7 checkpoints of a contact awaiting a reply, as the agenda counts them."""
    import icalendar

    if contact.frontmatter.get("status") != "contacted" or contact.is_template:
        return []
    since = as_moment(contact.frontmatter.get("contacted_on")) or as_moment(
        contact.frontmatter.get("last_contact")
    )
    if since is None:
        return []
    uri = obsidian_uri(vault, contact)
    organization = contact.frontmatter.get("organization")
    place = organization if isinstance(organization, str) and organization else "that organization"
    who = _text(contact.title)
    checkpoints = (
        (
            "try-another",
            vault.config.try_another_after,
            f"No reply from {who}? Try another person at {_text(place)}",
        ),
        ("follow-up", vault.config.follow_up_after, f"Follow up once with {who}"),
    )
    return [
        _todo(
            icalendar,
            _uid(contact, kind),
            stamp,
            summary,
            add_business_days(day_of(since), days, vault.config.holidays),
            f"Contact note: {_text(contact.path)}\n{uri}",
        )
        for kind, days, summary in checkpoints
    ]


def _todo(
    icalendar: Any, uid: str, stamp: dt.datetime, summary: str, due: Any, description: str
) -> Any:
    todo = icalendar.Todo()
    todo.add("uid", uid)
    todo.add("dtstamp", stamp)
    todo.add("summary", summary)
    todo.add("due", due)
    todo.add("description", description)
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add(
        "trigger", dt.timedelta(hours=-2) if isinstance(due, dt.datetime) else dt.timedelta(hours=9)
    )
    todo.add_component(alarm)
    return todo


def _zone(name: str | None) -> dt.tzinfo | None:
    if name is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (use an IANA name like Europe/Paris)"
        ) from None


def _localized(moment: dt.date, zone: dt.tzinfo | None) -> dt.date:
    if isinstance(moment, dt.datetime) and zone is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=zone)
    return moment


# -- CSV ----------------------------------------------------------------------------------

CONTACT_COLUMNS = (
    "name",
    "organization",
    "role",
    "field",
    "status",
    "source",
    "referred_by",
    "email",
    "phone",
    "linkedin",
    "contacted_on",
    "last_contact",
    "path",
)
INTERVIEW_COLUMNS = (
    "date",
    "contact",
    "format",
    "location",
    "duration_minutes",
    "thank_you_sent",
    "referrals",
    "next_steps",
    "path",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_safe(value: Any) -> str:
    """A cell a spreadsheet shows as text: a leading ``= + - @`` cannot start a formula.

    Line breaks become LF: a CSV writer whose line terminator is LF alone leaves a lone CR
    unquoted, and a reader would end the row there.
    """
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(str(item) for item in value)
    elif isinstance(value, (dt.date, dt.datetime)):
        value = value.isoformat()
    text = str(value)
    if text.startswith(_FORMULA_START):
        text = "'" + text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def to_csv(vault: Vault, kind: str) -> str:
    """``contacts`` or ``interviews`` as CSV with a header row."""
    columns = CONTACT_COLUMNS if kind == "contacts" else INTERVIEW_COLUMNS
    note_type = "contact" if kind == "contacts" else "interview"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for note in sorted(vault.notes_of_type(note_type), key=lambda n: n.id):
        if note.is_template:
            continue
        row = []
        for column in columns:
            if column == "name":
                value: Any = note.title
            elif column == "path":
                value = note.path
            else:
                value = note.frontmatter.get(column)
            row.append(spreadsheet_safe(value))
        writer.writerow(row)
    return out.getvalue()


# -- vCard ------------------------------------------------------------------------------------


def to_vcard(vault: Vault) -> str:
    """Every contact as vCard 4.0, for phones and Google Contacts."""
    import vobject

    cards = []
    for note in sorted(vault.notes_of_type("contact"), key=lambda n: n.id):
        if note.is_template:
            continue
        data = note.frontmatter
        card = vobject.vCard()
        card.add("version").value = "4.0"
        name = _text(note.title)
        card.add("fn").value = name
        given, _, family = name.rpartition(" ")
        card.add("n").value = vobject.vcard.Name(family=family, given=given)
        if isinstance(data.get("organization"), str) and data["organization"].strip():
            card.add("org").value = [_text(data["organization"].strip())]
        for key, field in (
            ("role", "title"),
            ("email", "email"),
            ("phone", "tel"),
            ("linkedin", "url"),
        ):
            value = data.get(key)
            if isinstance(value, (str, int)) and str(value).strip():
                card.add(field).value = _text(str(value).strip())
        notes = [
            f"{label}: {data[key]}"
            for key, label in (
                ("field", "Career field"),
                ("status", "Status"),
                ("source", "Source"),
            )
            if isinstance(data.get(key), str) and data[key]
        ]
        if notes:
            card.add("note").value = _text("; ".join(notes))
        cards.append(card.serialize())
    return "".join(cards)
