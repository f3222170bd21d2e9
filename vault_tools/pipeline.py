"""The pipeline at a glance: how many contacts stand where, how many interviews a month,
how reliably thank-yous go out, how many people per career field, how many referrals an
interview brings. ``pipeline_status`` returns plain JSON-ready values in a stable order.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from vault_tools.agenda import contact_of, held_interviews, thank_you_late
from vault_tools.dates import as_moment, day_of
from vault_tools.model import CONTACT_STATUSES
from vault_tools.vault import Vault

__all__ = ["CONTACT_STATUSES", "contact_statuses", "pipeline_status"]


UNKNOWN = "unknown"


def contact_statuses(vault: Vault) -> list[str]:
    """The statuses the vault's contact schema allows, in schema order (the config may
    change the schema); the built-in ones when it lists none."""
    from vault_tools.schema import effective_schemas

    schema = effective_schemas(vault.config, vault.root).get("contact", {})
    status = schema.get("properties", {}).get("status", {})
    allowed = status.get("enum") if isinstance(status, dict) else None
    if isinstance(allowed, list) and allowed and all(isinstance(v, str) for v in allowed):
        return list(dict.fromkeys(allowed))
    return list(CONTACT_STATUSES)


def pipeline_status(vault: Vault, today: dt.date) -> dict[str, Any]:
    """The numbers `vault-tools status` prints.

    Keys: ``contacts_by_status`` (every status of the contact schema in schema order,
    zeros included, then ``unknown`` when some contact has no valid status),
    ``interviews_by_month`` (``YYYY-MM`` -> interviews held by ``today``, sorted),
    ``upcoming_interviews`` (dated after ``today``), ``thank_you_rate``
    (``sent_within_window``, ``held``, ``rate`` or None), ``people_interviewed_per_field``
    (field -> contacts interviewed by ``today``, sorted) and ``referrals_per_interview``
    (referral links of held interviews per held interview, or None).
    """
    statuses = contact_statuses(vault)
    by_status = dict.fromkeys(statuses, 0)
    unknown = 0
    contacts = [note for note in vault.notes_of_type("contact") if not note.is_template]
    for contact in contacts:
        value = contact.frontmatter.get("status")
        if isinstance(value, str) and value.strip() in by_status:
            by_status[value.strip()] += 1
        else:
            unknown += 1
    if unknown:
        by_status[UNKNOWN] = by_status.get(UNKNOWN, 0) + unknown

    held = held_interviews(vault, today)
    by_month: dict[str, int] = {}
    for _, moment in held:
        month = day_of(moment).strftime("%Y-%m")
        by_month[month] = by_month.get(month, 0) + 1
    upcoming = 0
    for note in vault.notes_of_type("interview"):
        planned = as_moment(note.frontmatter.get("date"))
        if not note.is_template and planned is not None and day_of(planned) > today:
            upcoming += 1

    hours = vault.config.thank_you_hours
    on_time = 0
    referrals = 0
    per_field: dict[str, set[str]] = {}
    for note, moment in held:
        sent = as_moment(note.frontmatter.get("thank_you_sent"))
        if sent is not None and not thank_you_late(moment, sent, hours):
            on_time += 1
        referrals += sum(
            1 for link in note.links if link.in_frontmatter and link.key == "referrals"
        )
        person = contact_of(vault, note)
        if person is not None:
            field = person.frontmatter.get("field")
            if isinstance(field, str) and field.strip():
                per_field.setdefault(" ".join(field.split()), set()).add(person.id)

    return {
        "contacts_by_status": by_status,
        "interviews_by_month": {month: by_month[month] for month in sorted(by_month)},
        "upcoming_interviews": upcoming,
        "thank_you_rate": {
            "sent_within_window": on_time,
            "held": len(held),
            "rate": on_time / len(held) if held else None,
        },
        "people_interviewed_per_field": {
            field: len(per_field[field]) for field in sorted(per_field)
        },
        "referrals_per_interview": referrals / len(held) if held else None,
    }
