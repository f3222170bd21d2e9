"""Regenerate the generated blocks of a vault: plan what would change, then write it.

``plan_index`` reads and renders but writes nothing, so ``index --check`` and
``--diff`` share it with ``index``; ``write_plan`` applies a plan note by note.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

from vault_tools.blocks import (
    BEGIN,
    END,
    NoteChanged,
    NoteSnapshot,
    ParsedBlocks,
    content_hash,
    find_blocks,
    replace_blocks,
    write_atomically,
)
from vault_tools.model import Diagnostic, Note
from vault_tools.render.views import ViewContext, ViewError, render_view
from vault_tools.rules.registry import diagnostic
from vault_tools.vault import Vault

MARKER = "vault-tools:"


@dataclass(frozen=True)
class NoteUpdate:
    """One note whose blocks are out of date: its bytes as read and as they should be."""

    snapshot: NoteSnapshot
    path: str
    new_data: bytes
    views: tuple[str, ...]

    @property
    def old_text(self) -> str:
        return self.snapshot.data.decode("utf-8", errors="replace")

    @property
    def new_text(self) -> str:
        return self.new_data.decode("utf-8", errors="replace")


@dataclass
class IndexPlan:
    updates: list[NoteUpdate] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    notes_with_blocks: int = 0
    blocks: int = 0
    refused: int = 0
    """Blocks left as they are: unknown view or argument, or edited by hand."""


@dataclass
class WriteResult:
    written: list[NoteUpdate] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(path, why) for notes that could not be written; nothing was lost."""


def notes_with_blocks(vault: Vault) -> list[Note]:
    return [note for note in vault.notes.values() if MARKER in note.body]


def check_blocks(path: str, parsed: ParsedBlocks, vault: Vault) -> list[Diagnostic]:
    """Diagnostics for a note's blocks: malformed markers, unknown views or arguments and
    blocks edited by hand, on the lines of the file."""
    from vault_tools.render.views import validate_view

    found = [
        diagnostic("invalid-block", path, problem.line, 1, problem.message, problem.fix)
        for problem in parsed.problems
    ]
    for block in parsed.blocks:
        line = parsed.file_line(block)
        try:
            validate_view(vault, block.view, block.arguments)
        except ViewError as error:
            found.append(
                diagnostic(
                    "unknown-view",
                    path,
                    line,
                    1,
                    str(error),
                    "`vault-tools index --help` lists the views and arguments",
                )
            )
            continue
        if block.edited_by_hand:
            found.append(
                diagnostic(
                    "edited-block",
                    path,
                    line,
                    1,
                    f"the {block.view!r} block was edited by hand since it was generated; "
                    "vault-tools will not overwrite it",
                    "move your text outside the markers, or run `vault-tools index --force`",
                )
            )
    return found


def plan_index(
    vault: Vault,
    *,
    today: dt.date | None = None,
    force: bool = False,
    only: set[str] | None = None,
    views: set[str] | None = None,
) -> IndexPlan:
    """What regenerating every block would change: of the notes in ``only`` and the views
    in ``views``, when given."""
    plan = IndexPlan()
    context = ViewContext(vault, today or dt.date.today(), vault.config.thank_you_hours)
    seen_files: set[str] = set()
    for note in notes_with_blocks(vault):
        if only is not None and note.path not in only:
            continue
        path = vault.root / note.path
        real = os.path.realpath(path)
        if real in seen_files:
            continue  # a symlink to a note already planned: one file, written once
        seen_files.add(real)
        try:
            snapshot = NoteSnapshot.read(path)
            text = snapshot.text
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            plan.diagnostics.append(
                diagnostic(
                    "unreadable-file",
                    note.path,
                    1,
                    1,
                    f"note cannot be read for indexing: {reason}",
                )
            )
            continue
        update = _plan_note(vault, note, snapshot, text, context, force, plan, views)
        if update is not None:
            plan.updates.append(update)
    return plan


def _plan_note(
    vault: Vault,
    note: Note,
    snapshot: NoteSnapshot,
    text: str,
    context: ViewContext,
    force: bool,
    plan: IndexPlan,
    only_views: set[str] | None = None,
) -> NoteUpdate | None:
    # Blocks live in the body, as lint sees them: a marker or a fence inside the
    # frontmatter's YAML is text of a property, never a block.
    body_start = _body_start(text)
    parsed = find_blocks("\n".join(text.split("\n")[body_start:]), first_line=body_start + 1)
    problems = check_blocks(note.path, parsed, vault)
    edited = {d.line for d in problems if d.rule == "edited-block"}
    if force:
        # --force overwrites hand edits: a warning that it will not would contradict it.
        problems = [d for d in problems if d.rule != "edited-block"]
    plan.diagnostics.extend(problems)
    if not parsed.blocks:
        return None
    plan.notes_with_blocks += 1
    plan.blocks += len(parsed.blocks)
    if parsed.problems:
        return None  # a malformed note is left untouched, every block of it
    refused = {d.line for d in problems if d.rule == "unknown-view"}
    if not force:
        refused |= edited
    generated: dict[int, str] = {}
    views = []
    for block in parsed.blocks:
        if only_views is not None and block.view not in only_views:
            continue
        if parsed.file_line(block) in refused:
            plan.refused += 1
            continue
        content = "\n" + block_content(render_view(context, block.view, block.arguments)) + "\n"
        if content != block.content or block.recorded_hash != content_hash(content):
            generated[body_start + block.begin] = content
            views.append(block.view)
    if not generated:
        return None
    new_data = snapshot.encode(replace_blocks(text, generated))
    if new_data == snapshot.data:
        return None
    return NoteUpdate(snapshot, note.path, new_data, tuple(views))


def _body_start(text: str) -> int:
    """The index of the body's first line in ``text.split("\\n")``: after the frontmatter,
    found by the parser's rule (``---`` on line 1, closed by ``---`` or ``...``)."""
    lines = [line.rstrip("\r").rstrip(" \t") for line in text.split("\n")]
    if lines[0] == "---":
        for index in range(1, len(lines)):
            if lines[index] in ("---", "..."):
                return index + 1
    return 0


def block_content(rendered: str) -> str:
    """What a view rendered, as it can sit between the markers: its line breaks are \\n
    (the writer gives them the note's own ending), a NUL (which would make the note read
    as a binary file) is U+FFFD, and a line that would read as a marker is escaped
    (``&lt;!--``), so that the block still ends at its own end marker."""
    rendered = rendered.replace("\x00", "\ufffd")
    lines = rendered.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(
        line.replace("<!--", "&lt;!--", 1) if BEGIN.match(line) or END.match(line) else line
        for line in lines
    )


def write_plan(plan: IndexPlan) -> WriteResult:
    result = WriteResult()
    for update in plan.updates:
        try:
            if write_atomically(update.snapshot, update.new_data):
                result.written.append(update)
        except NoteChanged:
            result.skipped.append((update.path, "it changed while being indexed; run again"))
        except OSError as error:
            result.skipped.append((update.path, f"cannot be written: {error.strerror or error}"))
    return result


def unified_diff(update: NoteUpdate) -> str:
    import difflib

    return "".join(
        difflib.unified_diff(
            update.old_text.splitlines(keepends=True),
            update.new_text.splitlines(keepends=True),
            fromfile=f"a/{update.path}",
            tofile=f"b/{update.path}",
        )
    )
