"""Diagnostics as text for people, JSON for programs, and GitHub workflow annotations."""

from __future__ import annotations

import json
import posixpath
from collections import Counter
from collections.abc import Sequence

from vault_tools.model import Diagnostic, Severity
from vault_tools.render.text import escape_controls

FORMATS = ("text", "json", "github")


def render(diagnostics: Sequence[Diagnostic], output_format: str, *, prefix: str = "") -> str:
    """``prefix`` is the vault's path as given, for formats whose paths must be repo-relative."""
    if output_format == "json":
        return as_json(diagnostics)
    if output_format == "github":
        return as_github(diagnostics, prefix)
    return as_text(diagnostics)


def as_text(diagnostics: Sequence[Diagnostic]) -> str:
    """One line per diagnostic (and one for its fix); a line break or a control character
    in a path or a message is shown as an escape, so it cannot start a line of its own."""
    lines = []
    for item in diagnostics:
        lines.append(
            f"{escape_controls(item.path)}:{item.line}:{item.column}: {item.severity.value} "
            f"{item.code} [{item.rule}] {escape_controls(item.message)}"
        )
        if item.fix:
            lines.append(f"    fix: {escape_controls(item.fix)}")
    return "".join(line + "\n" for line in lines)


def as_json(diagnostics: Sequence[Diagnostic]) -> str:
    return json.dumps([item.to_dict() for item in diagnostics], indent=2, ensure_ascii=False) + "\n"


_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def as_github(diagnostics: Sequence[Diagnostic], prefix: str = "") -> str:
    lines = []
    for item in diagnostics:
        path = posixpath.normpath(posixpath.join(prefix, item.path)) if prefix else item.path
        properties = ",".join(
            [
                f"file={_escape_property(path)}",
                f"line={item.line}",
                f"col={item.column}",
                f"title={_escape_property(f'{item.code} {item.rule}')}",
            ]
        )
        message = item.message + (f" (fix: {item.fix})" if item.fix else "")
        lines.append(f"::{_GITHUB_LEVEL[item.severity]} {properties}::{_escape_data(message)}")
    return "".join(line + "\n" for line in lines)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def summary(diagnostics: Sequence[Diagnostic], note_count: int) -> str:
    notes = f"{note_count} note{'s' if note_count != 1 else ''}"
    if not diagnostics:
        return f"No problems found in {notes}."
    counts = Counter(item.severity for item in diagnostics)
    parts = []
    for severity, word in (
        (Severity.ERROR, "error"),
        (Severity.WARNING, "warning"),
        (Severity.INFO, "info"),
    ):
        if counts[severity]:
            plural = "s" if counts[severity] != 1 and severity is not Severity.INFO else ""
            parts.append(f"{counts[severity]} {word}{plural}")
    return f"Found {', '.join(parts)} in {notes}."
