"""`vault-tools status` as text for a terminal."""

from __future__ import annotations

from typing import Any

from vault_tools.agenda import FEW_OPINIONS
from vault_tools.render.text import one_line


def status_text(status: dict[str, Any]) -> str:
    """The numbers of ``pipeline_status`` as aligned, labelled lines."""
    lines = ["Contacts by status:"]
    by_status = [
        (one_line(str(name)), count) for name, count in status["contacts_by_status"].items()
    ]
    width = max((len(name) for name, _ in by_status), default=0)
    lines += [f"  {name.ljust(width)}  {count}" for name, count in by_status]
    if not by_status:
        lines.append("  none")

    lines += ["", "Interviews held per month:"]
    months: dict[str, int] = status["interviews_by_month"]
    lines += [f"  {month}  {count}" for month, count in months.items()] or ["  none yet"]
    lines.append(f"Upcoming interviews: {status['upcoming_interviews']}")

    thanks = status["thank_you_rate"]
    rate = thanks["rate"]
    shown = f"{rate:.0%}" if rate is not None else "n/a"
    lines += [
        "",
        f"Thank-yous sent within the window: {thanks['sent_within_window']} of "
        f"{thanks['held']} interviews held ({shown})",
    ]

    lines += ["", "People interviewed per career field:"]
    fields: dict[str, int] = status["people_interviewed_per_field"]
    for field, count in fields.items():
        caution = (
            f"  (fewer than {FEW_OPINIONS}: do not judge the field on this alone)"
            if count < FEW_OPINIONS
            else ""
        )
        lines.append(f"  {one_line(str(field))}: {count}{caution}")
    if not fields:
        lines.append("  none yet")

    per_interview = status["referrals_per_interview"]
    lines += [
        "",
        "Referrals per interview: "
        + (f"{per_interview:.2f}" if per_interview is not None else "n/a"),
    ]
    return "\n".join(lines) + "\n"
