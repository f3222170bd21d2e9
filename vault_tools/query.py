"""`vault-tools list`: filter and sort notes on their frontmatter.

A condition is ``FIELD OP VALUE`` with OP one of ``=``, ``!=``, ``<``, ``<=``, ``>``,
``>=`` and ``~`` (contains, any case). Values ``today``, ``today-7`` and ``today+3``
are dates; dates compare as dates, numbers as numbers, everything else as text without
regard to case. ``name`` and ``path`` are the note's title and path.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from vault_tools.dates import as_moment, day_of
from vault_tools.links import normalize
from vault_tools.model import Note
from vault_tools.vault import Vault

_CONDITION = re.compile(r"^\s*([^=!<>~\s]+)\s*(!=|<=|>=|=|<|>|~)\s*(.*?)\s*$")
_RELATIVE_DAY = re.compile(r"^today(?:([+-])(\d+))?$", re.IGNORECASE)


class QueryError(ValueError):
    """A condition or sort key that cannot be read; the message shows the form."""


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str
    value: str

    def matches(self, note: Note, today: dt.date) -> bool:
        actual = field_value(note, self.field)
        if self.operator == "~":
            values = actual if isinstance(actual, list) else [actual]
            return any(
                normalize(self.value) in normalize(_text(item))
                for item in values
                if item is not None
            )
        if self.value == "" and self.operator in ("=", "!="):
            empty = actual is None or actual == "" or actual == []
            return empty if self.operator == "=" else not empty
        if actual is None or actual == "" or actual == []:
            return self.operator == "!="
        if isinstance(actual, list):
            found = any(_compare(item, self.value, "=", today) for item in actual)
            return found if self.operator == "=" else not found if self.operator == "!=" else False
        return _compare(actual, self.value, self.operator, today)


def parse_condition(text: str) -> Condition:
    match = _CONDITION.match(text)
    if match is None:
        raise QueryError(
            f"cannot read condition {text!r}: write FIELD=VALUE, FIELD!=VALUE, "
            "FIELD<VALUE, FIELD>VALUE or FIELD~TEXT"
        )
    return Condition(match.group(1), match.group(2), match.group(3).strip("\"'"))


def field_value(note: Note, field: str) -> Any:
    if field == "name":
        return note.title
    if field == "path":
        return note.path
    return note.frontmatter.get(field)


def _text(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def _as_day(text: str, today: dt.date) -> dt.date | None:
    relative = _RELATIVE_DAY.match(text.strip())
    if relative:
        offset = int(relative.group(2) or 0) * (-1 if relative.group(1) == "-" else 1)
        try:
            return today + dt.timedelta(days=offset)
        except OverflowError:
            return None
    moment = as_moment(text)
    return day_of(moment) if moment is not None else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def _compare(actual: Any, wanted: str, operator: str, today: dt.date) -> bool:
    left: Any
    right: Any
    actual_moment = as_moment(actual)
    wanted_day = _as_day(wanted, today)
    if actual_moment is not None and wanted_day is not None:
        left, right = day_of(actual_moment), wanted_day
    elif _number(actual) is not None and _number(wanted) is not None:
        left, right = _number(actual), _number(wanted)
    else:
        left, right = normalize(_text(actual)), normalize(wanted)
    if operator == "=":
        return bool(left == right)
    if operator == "!=":
        return bool(left != right)
    if operator == "<":
        return bool(left < right)
    if operator == "<=":
        return bool(left <= right)
    if operator == ">":
        return bool(left > right)
    return bool(left >= right)


def select_notes(
    vault: Vault,
    note_type: str,
    conditions: list[Condition],
    *,
    sort: str | None,
    today: dt.date,
) -> list[Note]:
    """Notes of ``note_type`` meeting every condition, sorted by ``sort`` (``-`` for
    descending; missing values last) and then by path."""
    notes = [
        note
        for note in vault.notes_of_type(note_type)
        if not note.is_template and all(condition.matches(note, today) for condition in conditions)
    ]
    notes.sort(key=lambda note: note.path)
    if sort:
        field = sort.lstrip("-")
        present = [n for n in notes if field_value(n, field) not in (None, "", [])]
        missing = [n for n in notes if field_value(n, field) in (None, "", [])]
        present.sort(key=lambda n: _sort_key(field_value(n, field)), reverse=sort.startswith("-"))
        notes = present + missing
    return notes


def _sort_key(value: Any) -> tuple[int, Any]:
    moment = as_moment(value)
    if moment is not None:
        return (0, _text(moment))
    number = _number(value)
    if number is not None:
        return (1, number)
    return (2, normalize(_text(value)))
