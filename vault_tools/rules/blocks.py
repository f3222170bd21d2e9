"""VT7xx: the markers of generated blocks, checked while linting (without generating)."""

from __future__ import annotations

from collections.abc import Iterator

from vault_tools.blocks import find_blocks
from vault_tools.index import check_blocks, notes_with_blocks
from vault_tools.model import Diagnostic
from vault_tools.rules import LintContext, check


@check("invalid-block", "unknown-view", "edited-block")
def check_generated_blocks(context: LintContext) -> Iterator[Diagnostic]:
    read_problems = context.vault.read_diagnostics
    for note in notes_with_blocks(context.vault):
        if any(found.rule == "invalid-block" for found in read_problems.get(note.path, ())):
            continue  # a lone CR (parse reported it): index rewrites no block of the note
        parsed = find_blocks(note.body, first_line=note.body_line)
        yield from check_blocks(note.path, parsed, context.vault)
