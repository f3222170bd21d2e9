"""Change frontmatter fields of an existing note in place (`vault-tools set`).

Only the lines of the keys being set change (a missing key is added before the closing
``---``): comments, key order, quoting, line endings, the byte-order mark and every other
byte stay as they were. New values are checked against the schema before anything is
written, and the write is atomic.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

from vault_tools.blocks import NoteSnapshot, write_atomically
from vault_tools.model import Diagnostic, Note
from vault_tools.parse import meant_as_frontmatter
from vault_tools.vault import Vault

_TOP_LEVEL_KEY = re.compile(r"^(?P<key>[^\s#:'\"-][^:]*?|'[^']*'|\"[^\"]*\")[ \t]*:(?:[ \t]|$)")
_RELATIVE_DAY = re.compile(r"^today(?:([+-])(\d+))?$")
_LINE_END = re.compile(r"(?<=\n)|(?<=\r)(?!\n)")


class EditError(ValueError):
    """The change cannot be made; the message says why and nothing was written."""


@dataclass(frozen=True)
class Assignment:
    key: str
    value: Any
    """The value as YAML will read it back (a date, a number, text)."""
    text: str
    """The value as it will be written after ``key: ``."""


def parse_assignment(text: str, today: dt.date) -> Assignment:
    """``status=contacted``, ``last_contact=today``, ``referred_by=[[Ann]]``, ``tags=[a, b]``.

    A value is written as typed only when YAML reads it back as meant (text, a number,
    a date, ``true``/``false``, a flow list of plain items); anything else is written
    as a quoted string, so that ``a #b`` or ``no`` stay text.
    """
    key, equals, raw = text.partition("=")
    key = key.strip()
    if not equals or not key:
        raise EditError(f"{text!r} is not key=value (for example status=contacted)")
    if not _plain_key(key):
        raise EditError(f"{key!r} cannot be written as a frontmatter key as it is")
    raw = raw.strip()
    if "\n" in raw or "\r" in raw:
        raise EditError(f"the value of {key!r} must be on one line")
    relative = _RELATIVE_DAY.match(raw)
    if relative:
        offset = int(relative.group(2) or 0) * (-1 if relative.group(1) == "-" else 1)
        try:
            day = today + dt.timedelta(days=offset)
        except OverflowError:
            raise EditError(f"{raw!r} is outside the range of dates") from None
        return Assignment(key, day, day.isoformat())
    if raw.startswith("[[") and raw.endswith("]]") and raw.count("[[") == 1:
        return Assignment(key, raw, _quoted(raw))
    if not raw:
        return Assignment(key, None, "")
    try:
        value = yaml.safe_load(raw)
    except (yaml.YAMLError, ValueError, OverflowError):
        return Assignment(key, raw, _quoted(raw))
    if _reads_back(raw, value):
        return Assignment(key, value, raw)
    return Assignment(key, raw, _quoted(raw))


# What YAML refuses in a note (control characters, the byte-order mark, non-characters)
# or folds inside quotes (U+0085, U+2028, U+2029 are line breaks to YAML): \u-escaped.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def _quoted(value: str | list[str]) -> str:
    """``value`` in double quotes (JSON's, which YAML reads), as YAML will read it back."""
    text = json.dumps(value, ensure_ascii=False)
    return _YAML_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def _plain_key(key: str) -> bool:
    try:
        return bool(yaml.safe_load(f"{key}: 1") == {key: 1})
    except (yaml.YAMLError, ValueError):
        return False


def _reads_back(raw: str, value: Any) -> bool:
    if isinstance(value, bool):
        return raw in ("true", "false")  # `no`, `on`, `yes` stay text, as in Obsidian
    if isinstance(value, (int, float, dt.date)):
        return True
    if isinstance(value, str):
        return value == raw and not raw.startswith(("&", "*", "!", "|", ">", "%", "@", "`"))
    if isinstance(value, list):
        return raw.startswith("[") and all(
            isinstance(item, (str, int, float)) and not isinstance(item, bool) for item in value
        )
    return False


def assignment_for(key: str, value: Any) -> Assignment:
    """An assignment of a Python value (text, date, number, list of text) to ``key``.
    EditError when ``key`` cannot be written as a frontmatter key as it is."""
    if not _plain_key(key):
        raise EditError(f"{key!r} cannot be written as a frontmatter key as it is")
    if isinstance(value, dt.date):
        return Assignment(key, value, value.isoformat())
    if isinstance(value, float):
        # as PyYAML writes it (1.0e+16, .nan): YAML 1.1 reads `1e+16` and `nan` as text
        return Assignment(key, value, yaml.safe_dump(value).split("\n", 1)[0])
    if isinstance(value, int) and not isinstance(value, bool):
        return Assignment(key, value, str(value))
    if isinstance(value, list):
        return Assignment(key, value, _quoted([str(item) for item in value]))
    text = str(value)
    try:
        plain = yaml.safe_load(text) == text and "\n" not in text and text.strip() == text
    except yaml.YAMLError:
        plain = False
    return Assignment(key, text, text if plain else _quoted(text))


def apply_assignments(text: str, assignments: list[Assignment]) -> str:
    """``text`` with each key's line replaced (or added); every other line untouched."""
    # Lines with their endings: CRLF, LF or a lone CR (old Mac files), as the parser reads them.
    lines = _LINE_END.split(text)
    # the frontmatter's own line ending (a CRLF body does not decide it)
    newline = lines[0][len(lines[0].rstrip("\r\n")) :] or "\n"
    closing = None
    if lines[0].rstrip("\r\n").rstrip(" \t") == "---":
        closing = next(
            (
                i
                for i in range(1, len(lines))
                if lines[i].rstrip("\r\n").rstrip(" \t") in ("---", "...")
            ),
            None,
        )
        if closing is None and meant_as_frontmatter([line.rstrip("\r\n") for line in lines]):
            raise EditError("the frontmatter opened on line 1 is never closed; fix it first")
    if closing is None:  # no frontmatter (a '---' alone opens the body): one goes first
        header = [f"{a.key}: {a.text}".rstrip() for a in assignments]
        return newline.join(["---", *header, "---"]) + newline + text
    for assignment in assignments:
        start = _key_line(lines, closing, assignment.key)
        if start is None:
            value = f" {assignment.text}" if assignment.text else ""
            lines.insert(closing, f"{assignment.key}:{value}{newline}")
            closing += 1
            continue
        end = _value_end(lines, start, closing)
        old = lines[start].rstrip("\r\n")
        ending = lines[end - 1][len(lines[end - 1].rstrip("\r\n")) :]
        comment = _trailing_comment(old)
        prefix = old[: old.index(":") + 1] if ":" in old else f"{assignment.key}:"
        value = f" {assignment.text}" if assignment.text else ""
        # A comment at the left margin among the old value's lines is the person's note
        # about the frontmatter, not part of the value: it stays, after the new value.
        # (Inside a quoted value that spans lines, such a line is text of the value.)
        quoted = old.split(":", 1)[-1].lstrip().startswith(("'", '"'))
        notes = [] if quoted else [line for line in lines[start + 1 : end] if line.startswith("#")]
        lines[start:end] = [f"{prefix}{value}{comment}{ending}", *notes]
        closing -= end - start - 1 - len(notes)
    return "".join(lines)


def _key_line(lines: list[str], closing: int, key: str) -> int | None:
    for index in range(1, closing):
        match = _TOP_LEVEL_KEY.match(lines[index].rstrip("\r\n"))
        if match and match.group("key").strip("'\"").strip() == key:
            return index
    return None


def _value_end(lines: list[str], start: int, closing: int) -> int:
    """The line after the last line of the value that starts at ``start`` (a block list,
    a block scalar or a continued plain scalar spans several lines). Comments and blank
    lines after the value belong to what follows; those inside it are in the span (see
    ``apply_assignments`` for the comments it keeps)."""
    end = start + 1
    for index in range(start + 1, closing):
        line = lines[index].rstrip("\r\n")
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith((" ", "\t", "- ", "-\t")) or line == "-":
            end = index + 1
            continue
        break
    return end


def _trailing_comment(line: str) -> str:
    """A `` # comment`` after the value on a key's line, kept when the value changes."""
    value = line.split(":", 1)[1] if ":" in line else ""
    stripped = value.lstrip()
    if not stripped or stripped[0] in "|>":
        return ""
    rest = stripped
    if stripped[0] in "'\"":
        rest = stripped[_quoted_end(stripped) :]
    elif stripped[0] in "[{":
        rest = stripped[_bracket_end(stripped) :]
    found = re.search(r"[ \t]+#.*$", rest)
    return found.group(0) if found else ""


def _quoted_end(text: str) -> int:
    quote, index = text[0], 1
    while index < len(text):
        if quote == '"' and text[index] == "\\":
            index += 2
            continue
        if text[index] == quote:
            if quote == "'" and text[index + 1 : index + 2] == "'":
                index += 2
                continue
            return index + 1
        index += 1
    return len(text)


def _bracket_end(text: str) -> int:
    depth = 0
    for index, char in enumerate(text):
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(text)


def set_fields(vault: Vault, note: Note, assignments: list[Assignment]) -> tuple[bool, str]:
    """Write ``assignments`` into ``note``; returns (written, new text).

    Raises EditError when the note cannot be read as UTF-8, its frontmatter is broken,
    or a new value does not fit the schema (the message names the field).
    """
    from vault_tools.parse import parse_note
    from vault_tools.rules.fields import schema_problems

    snapshot = NoteSnapshot.read(vault.root / note.path)
    try:
        text = snapshot.text
    except UnicodeDecodeError:
        raise EditError(f"{note.path} is not UTF-8 text; it was left as it is") from None
    new_text = apply_assignments(text, assignments)
    parsed = parse_note(note.path, new_text.encode("utf-8"))
    if parsed.diagnostics:
        first = parsed.diagnostics[0]
        raise EditError(f"{note.path}:{first.line}: {first.message}; nothing was written")
    changed_keys = {a.key for a in assignments}
    problems = [
        problem
        for problem in schema_problems(vault, vault.typed(parsed.note))
        if _field_of(problem, parsed.note) & changed_keys
    ]
    if problems:
        details = "; ".join(f"{p.message}" + (f" ({p.fix})" if p.fix else "") for p in problems)
        raise EditError(f"{note.path}: {details}; nothing was written")
    return write_atomically(snapshot, snapshot.encode(new_text)), new_text


def _field_of(problem: Diagnostic, note: Note) -> set[str]:
    """The top-level keys written on the line ``problem`` points at."""
    return {
        str(path[0])
        for path, where in note.positions.items()
        if len(path) == 1 and where.line == problem.line
    }
