"""VT6xx: files that sync tools leave behind."""

from __future__ import annotations

import re
from collections.abc import Iterator

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
