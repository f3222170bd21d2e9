"""VT5xx: the interview cycle, here the thank-you that is due within a day."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator

from vault_tools.dates import as_moment, days_between
from vault_tools.model import Diagnostic
from vault_tools.rules import LintContext, check
from vault_tools.rules.registry import diagnostic


@check("thank-you-overdue", "thank-you-late")
def check_thank_you(context: LintContext) -> Iterator[Diagnostic]:
    hours = context.vault.config.thank_you_hours
    for note in context.vault.notes_of_type("interview"):
        if note.is_template:
            continue
        held = as_moment(note.frontmatter.get("date"))
        if held is None:
            continue
        sent_value = note.frontmatter.get("thank_you_sent")
        sent = as_moment(sent_value)
        if sent_value in (None, ""):
            if days_between(held, context.today) > _window_days(hours):
                where = note.position("date")
                due = (
                    held + dt.timedelta(hours=hours)
                    if isinstance(held, dt.datetime)
                    else held + dt.timedelta(days=_window_days(hours))
                )
                yield diagnostic(
                    "thank-you-overdue",
                    note.path,
                    where.line,
                    where.column,
                    f"interview on {_show(held)} has no thank-you yet; it was due by {_show(due)}",
                    f"send a thank-you, then add `thank_you_sent: {context.today.isoformat()}`",
                )
        elif sent is not None and _late(held, sent, hours):
            where = note.position("thank_you_sent")
            yield diagnostic(
                "thank-you-late",
                note.path,
                where.line,
                where.column,
                f"thank-you sent {_show(sent)}, more than {hours} hours after the interview "
                f"on {_show(held)}",
            )


def _window_days(hours: int) -> int:
    """With dates only, a 24-hour window means 'the same or the next day'."""
    return max(1, math.ceil(hours / 24))


def _late(held: dt.date, sent: dt.date, hours: int) -> bool:
    if isinstance(held, dt.datetime) and isinstance(sent, dt.datetime):
        return sent - held > dt.timedelta(hours=hours)
    return days_between(held, sent) > _window_days(hours)


def _show(moment: dt.date) -> str:
    if isinstance(moment, dt.datetime):
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.isoformat()
