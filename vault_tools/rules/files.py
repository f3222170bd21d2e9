"""VT6xx: files that sync tools leave behind, or cannot carry from one system to another."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from vault_tools.links import normalize
from vault_tools.model import Diagnostic
from vault_tools.rules import LintContext, check
from vault_tools.rules.registry import diagnostic

SYNC_CONFLICT = re.compile(
    r"""(
        \ \(conflict\ \d{4}-\d{2}-\d{2}[^)]*\)            # Obsidian Sync and others
      | \.sync-conflict-\d{8}-\d{6}-[A-Z0-9]{7}          # Syncthing
      | \ \(Case\ Conflict(?:\ \d+)?\)                   # Dropbox, names differing in case
      | \ \([^()]*conflicted\ copy[^()]*\)               # Dropbox
    )""",
    re.IGNORECASE | re.VERBOSE,
)


@check("sync-conflict-file")
def check_sync_conflicts(context: LintContext) -> Iterator[Diagnostic]:
    vault = context.vault
    paths = [note.path for note in vault.notes.values()] + sorted(vault.attachments)
    for path in sorted(paths):
        name = path.rsplit("/", 1)[-1]
        match = SYNC_CONFLICT.search(name)
        if match is None:
            continue
        original = name[: match.start()] + name[match.end() :]
        yield diagnostic(
            "sync-conflict-file",
            path,
            1,
            1,
            f"'{name}' is a sync conflict copy of '{original}'",
            f"merge what differs into '{original}', then delete this copy",
        )


@check("name-clash")
def check_name_clashes(context: LintContext) -> Iterator[Diagnostic]:
    vault = context.vault
    by_normal_form: dict[str, list[str]] = {}
    for path in [note.path for note in vault.notes.values()] + sorted(vault.attachments):
        by_normal_form.setdefault(normalize(path), []).append(path)
    for paths in by_normal_form.values():
        if len(paths) < 2:
            continue
        for path in sorted(paths):
            for other in sorted(paths):
                if other == path:
                    continue
                yield diagnostic(
                    "name-clash",
                    path,
                    1,
                    1,
                    f"'{_shown(path)}' and '{_shown(other)}' differ only in "
                    f"{_how_they_differ(path, other)}: Obsidian's links and macOS or "
                    "Windows take them for one name",
                    "merge the two files into one, or rename one so that the names differ "
                    "in letters",
                )


def _how_they_differ(path: str, other: str) -> str:
    composed = unicodedata.normalize("NFC", path) == unicodedata.normalize("NFC", other)
    if composed:
        return "Unicode form (composed or decomposed accents)"
    if path.casefold() == other.casefold():
        return "case"
    return "case and Unicode form"


def _shown(path: str) -> str:
    """``path`` with combining marks spelled out, so that two Unicode forms look different."""
    return "".join(f"\\u{ord(char):04x}" if unicodedata.combining(char) else char for char in path)
