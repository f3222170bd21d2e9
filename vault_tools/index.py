"""Regenerate the generated blocks of a vault: plan what would change, then write it.

``plan_index`` reads and renders but writes nothing, so ``index --check`` and
``--diff`` share it with ``index``; ``write_plan`` applies a plan note by note. A caller
that plans again and again (``watch``) keeps a ``RenderCache`` and passes it to each
``plan_index``: what did not change since is not rendered again.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from vault_tools.blocks import (
    BEGIN,
    BOM,
    END,
    Block,
    NoteChanged,
    NoteSnapshot,
    ParsedBlocks,
    content_hash,
    find_body_blocks,
    parse_begin_marker,
    rewrite_blocks,
    write_atomically,
)
from vault_tools.model import Diagnostic, Note
from vault_tools.render.views import VIEWS, ViewCache, ViewContext, ViewError, render_view
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
    """The blocks planned: of the views asked for, when some were (``views``)."""
    refused: int = 0
    """Blocks left as they are: unknown view or argument, or edited by hand."""


@dataclass
class WriteResult:
    written: list[NoteUpdate] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(path, why) for notes that could not be written; nothing was lost."""


class RenderCache:
    """What ``plan_index`` rendered, for the next ``plan_index(..., cache=cache)`` of the same
    vault to render only what changed since: the views' rows, outputs and derived facts
    (``ViewCache``), and each note's blocks as parsed from its text. The plan is the same,
    byte for byte, with or without it. Keep one per vault; it holds on to the last round's
    notes, and about as much again in rendered text.

    Pass it to ``write_plan`` too: it then knows the blocks of what it wrote right away
    (from the plan, without parsing the note again), which the next ``plan_index`` would
    have to parse first (a note of thousands of rows takes a while)."""

    def __init__(self) -> None:
        self.views = ViewCache()
        self._layouts: dict[str, _Layout] = {}
        self._generated: dict[tuple[str, int], _Generated] = {}
        self._rewrites: dict[str, _Rewrite] = {}
        self._context: ViewContext | None = None

    def text_of(self, path: str, snapshot: NoteSnapshot) -> str:
        """``snapshot.text``, without decoding it again when the bytes are the last ones seen
        at ``path``. Raises UnicodeDecodeError."""
        known = self._layouts.get(path)
        if known is not None and known.data == snapshot.data:
            return known.text
        return snapshot.text

    def layout(self, path: str, snapshot: NoteSnapshot, text: str, context: ViewContext) -> _Layout:
        """The blocks of the note at ``path`` (read as ``snapshot``, which is ``text``) and
        their diagnostics, for as long as its text and the schemas (``ViewCache.schemas``)
        are the same."""
        known = self._layouts.get(path)
        if known is not None and known.schemas is self.views.schemas and known.text == text:
            return known
        layout = self._layouts[path] = _Layout.of(path, text, context, snapshot.data)
        return layout

    def generated(self, path: str, index: int, rendered: str) -> _Generated:
        """What block ``index`` of the note at ``path`` is to hold, for ``rendered``."""
        known = self._generated.get((path, index))
        if known is not None and known.rendered is rendered:
            return known
        generated = self._generated[(path, index)] = _Generated(rendered)
        return generated

    def start(self, context: ViewContext, with_blocks: Iterable[Note]) -> None:
        """A round of ``plan_index`` begins: let go of the notes that no longer hold blocks."""
        self._context = context
        self._rewrites = {}
        paths = {note.path for note in with_blocks}
        for path in self._layouts.keys() - paths:
            del self._layouts[path]
        for key in [key for key in self._generated if key[0] not in paths]:
            del self._generated[key]

    def planned(self, path: str, rewrite: _Rewrite) -> None:
        """The plan of this round rewrites the note at ``path`` as ``rewrite`` says."""
        self._rewrites[path] = rewrite

    def wrote(self, update: NoteUpdate) -> None:
        """Learn the blocks of the note as ``update`` left it (see ``layout``)."""
        rewrite = self._rewrites.pop(update.path, None)
        if self._context is None or self.views.schema_files:
            return  # (schema files are read again each round, and the layout with them)
        if rewrite is not None and rewrite.data is update.new_data:
            layout = rewrite.layout()
            if layout is not None:
                self._layouts[update.path] = layout
                return
        try:
            text = update.new_data.removeprefix(BOM).decode("utf-8")
        except UnicodeDecodeError:
            return
        self._layouts[update.path] = _Layout.of(update.path, text, self._context, update.new_data)


@dataclass
class _Layout:
    text: str
    body_start: int
    body_offset: int
    """Where the body starts in ``text``: the blocks' spans are offsets into the body."""
    parsed: ParsedBlocks
    problems: list[Diagnostic]
    schemas: object
    data: bytes | None = None
    """The note's bytes, ``text`` encoded (see ``RenderCache.text_of``)."""

    @classmethod
    def of(cls, path: str, text: str, context: ViewContext, data: bytes | None = None) -> _Layout:
        start, body, parsed = find_body_blocks(text)
        problems = check_blocks(path, parsed, context.vault, context=context)
        schemas = context.cache.schemas if context.cache is not None else None
        return cls(text, start, len(text) - len(body), parsed, problems, schemas, data)


@dataclass
class _Rewrite:
    """A note's blocks rewritten by a plan: the layout it was planned from, its new text and
    bytes, and by block index the content each rewritten block now holds and where (in the
    new text) its begin and end marker lines start."""

    before: _Layout
    text: str
    data: bytes
    blocks: dict[int, tuple[_Generated, tuple[int, int]]]

    def layout(self) -> _Layout | None:
        """What ``_Layout.of`` finds in the new text, found from what changed: the blocks
        after a rewritten one are further down by as many lines and characters as it grew.
        (What lies between the markers of a rewritten block cannot read as a marker, see
        ``block_content``.) None if a rewritten begin marker does not read back as the
        block it was, with its new hash."""
        before = self.before
        parsed = ParsedBlocks(first_line=before.parsed.first_line)
        new_lines: dict[int, int] = {}  # a begin marker's file line, before: after
        rewritten_lines: set[int] = set()
        lines = chars = 0  # how far the blocks after those rewritten so far moved
        for index, block in enumerate(before.parsed.blocks):
            begin = block.begin + lines
            old_line = before.parsed.file_line(block)
            new_lines[old_line] = begin + parsed.first_line
            rewritten = self.blocks.get(index)
            if rewritten is None:
                start, end_start = block.span
                parsed.blocks.append(
                    replace(
                        block,
                        begin=begin,
                        end=block.end + lines,
                        span=(start + chars, end_start + chars),
                    )
                )
                continue
            generated, (start, end_start) = rewritten
            start -= before.body_offset
            end_start -= before.body_offset
            if _read_begin(self.text, before.body_offset + start) != (
                block.view,
                block.arguments,
                generated.hash(),
            ):
                return None
            end = begin + generated.lines + 2  # the lines of the content, between the markers
            parsed.blocks.append(
                Block(
                    block.view,
                    block.arguments,
                    begin,
                    end,
                    generated.hash(),
                    generated.content,
                    (start, end_start),
                )
            )
            rewritten_lines.add(old_line)
            lines += (end - begin) - (block.end - block.begin)
            chars = end_start - block.span[1]
        problems = []
        for found in before.problems:
            if found.line not in new_lines:
                return None
            if found.rule == "edited-block" and found.line in rewritten_lines:
                continue  # (written by --force) its hash is that of its content now
            problems.append(replace(found, line=new_lines[found.line]))
        return _Layout(
            self.text,
            before.body_start,
            before.body_offset,
            parsed,
            problems,
            before.schemas,
            self.data,
        )


def _read_begin(text: str, start: int) -> tuple[str, dict[str, str], str | None] | None:
    """The view, arguments and hash of the begin marker on the line at ``start``."""
    end = text.find("\n", start)
    return parse_begin_marker(text[start : end if end >= 0 else len(text)].rstrip("\r"))


class _Generated:
    """A view's rendered text as a block's content, and that content's hash and number of
    line breaks (on demand)."""

    __slots__ = ("rendered", "content", "_hash", "_lines")

    def __init__(self, rendered: str) -> None:
        self.rendered = rendered
        self.content = f"\n{block_content(rendered)}\n"  # (one copy of megabytes, not two)
        self._hash: str | None = None
        self._lines: int | None = None

    def hash(self) -> str:
        if self._hash is None:
            self._hash = content_hash(self.content)
        return self._hash

    @property
    def lines(self) -> int:
        if self._lines is None:
            self._lines = self.content.count("\n")
        return self._lines


def views_read(vault: Vault, note: Note) -> bool:
    """Whether what the views render may depend on more of ``note`` than its path, type,
    aliases and template flag: on its body, say. Not when no view reads notes of its type
    (``View.reads``) and its type cannot come from a tag (``type_tags``), which its body
    may hold. (``watch`` need not read again the notes it wrote blocks into, when not.)"""
    if vault.config.type_tags:
        return True
    read: set[str] = set()
    for spec in VIEWS.values():
        if spec.reads is None:
            return True
        read.update(spec.reads)
    return note.note_type in read


def notes_with_blocks(vault: Vault) -> list[Note]:
    return [note for note in vault.notes.values() if MARKER in note.body]


def _has_marker(note: Note) -> bool | None:
    return True if MARKER in note.body else None


def check_blocks(
    path: str, parsed: ParsedBlocks, vault: Vault, *, context: ViewContext | None = None
) -> list[Diagnostic]:
    """Diagnostics for a note's blocks: malformed markers, unknown views or arguments and
    blocks edited by hand, on the lines of the file. (``context`` keeps the schemas'
    fields from note to note.)"""
    from vault_tools.render.views import validate_view

    found = [
        diagnostic("invalid-block", path, problem.line, 1, problem.message, problem.fix)
        for problem in parsed.problems
    ]
    for block in parsed.blocks:
        line = parsed.file_line(block)
        try:
            validate_view(vault, block.view, block.arguments, context=context)
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
    cache: RenderCache | None = None,
) -> IndexPlan:
    """What regenerating every block would change: of the notes in ``only`` and the views
    in ``views``, when given. ``cache`` (kept by the caller from one call to the next, for
    the same vault) spares rendering again what did not change; the plan is the same."""
    plan = IndexPlan()
    context = ViewContext(
        vault,
        today or dt.date.today(),
        vault.config.thank_you_hours,
        cache.views if cache is not None else None,
    )
    if cache is None:
        with_blocks: Iterable[Note] = notes_with_blocks(vault)
    else:
        with_blocks = context.groups("notes with blocks", _has_marker).members.get(True, ())
        cache.start(context, with_blocks)
    seen_files: set[str] = set()
    for note in with_blocks:
        if only is not None and note.path not in only:
            continue
        path = vault.root / note.path
        real = os.path.realpath(path)
        if real in seen_files:
            continue  # a symlink to a note already planned: one file, written once
        seen_files.add(real)
        try:
            snapshot = NoteSnapshot.read(path)
            text = cache.text_of(note.path, snapshot) if cache is not None else snapshot.text
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
        update = _plan_note(note, snapshot, text, context, force, plan, views, cache)
        if update is not None:
            plan.updates.append(update)
    if cache is not None and only is None and views is None:
        cache.views.asked_all()
    return plan


_OF_ONE_BLOCK = ("edited-block", "unknown-view")
"""Problems reported on one block's begin line, about that block alone."""


def _plan_note(
    note: Note,
    snapshot: NoteSnapshot,
    text: str,
    context: ViewContext,
    force: bool,
    plan: IndexPlan,
    only_views: set[str] | None = None,
    cache: RenderCache | None = None,
) -> NoteUpdate | None:
    if cache is not None:
        layout = cache.layout(note.path, snapshot, text, context)
    else:
        layout = _Layout.of(note.path, text, context)
    body_start, parsed = layout.body_start, layout.parsed
    problems = layout.problems
    edited = {d.line for d in problems if d.rule == "edited-block"}
    if force:
        # --force overwrites hand edits: a warning that it will not would contradict it.
        problems = [d for d in problems if d.rule != "edited-block"]
    asked = [b for b in parsed.blocks if only_views is None or b.view in only_views]
    if only_views is not None:
        # What is wrong with a block of another view is not this run's business (what is
        # wrong with the markers is: it may be a block of a view asked for).
        asked_lines = {parsed.file_line(block) for block in asked}
        problems = [d for d in problems if d.rule not in _OF_ONE_BLOCK or d.line in asked_lines]
    plan.diagnostics.extend(problems)
    if not asked:
        return None
    plan.notes_with_blocks += 1
    plan.blocks += len(asked)
    if parsed.problems:
        plan.refused += len(asked)
        return None  # a malformed note is left untouched, every block of it
    refused = {d.line for d in problems if d.rule == "unknown-view"}
    if not force:
        refused |= edited
    generated: dict[int, str] = {}
    spans: dict[int, tuple[int, int]] = {}
    hashes: dict[int, str] = {}
    rewritten: dict[int, _Generated] = {}  # by block index
    views = []
    for index, block in enumerate(parsed.blocks):
        if only_views is not None and block.view not in only_views:
            continue
        if parsed.file_line(block) in refused:
            plan.refused += 1
            continue
        rendered = render_view(context, block.view, block.arguments)
        new = (
            cache.generated(note.path, index, rendered)
            if cache is not None
            else _Generated(rendered)
        )
        if new.content != block.content or block.recorded_hash != new.hash():
            line = body_start + block.begin
            generated[line] = new.content
            start, end = block.span
            spans[line] = (layout.body_offset + start, layout.body_offset + end)
            hashes[line] = new.hash()
            rewritten[index] = new
            views.append(block.view)
    if not generated:
        return None
    new_text, moved = rewrite_blocks(text, generated, spans, hashes)
    new_data = snapshot.encode(new_text)
    if new_data == snapshot.data:
        return None
    if cache is not None:
        blocks = {
            index: (new, moved[body_start + parsed.blocks[index].begin])
            for index, new in rewritten.items()
        }
        cache.planned(note.path, _Rewrite(layout, new_text, new_data, blocks))
    return NoteUpdate(snapshot, note.path, new_data, tuple(views))


def block_content(rendered: str) -> str:
    """What a view rendered, as it can sit between the markers: its line breaks are \\n
    (the writer gives them the note's own ending), a NUL (which would make the note read
    as a binary file) is U+FFFD, and a line that would read as a marker is escaped
    (``&lt;!--``), so that the block still ends at its own end marker."""
    rendered = rendered.replace("\x00", "\ufffd")
    if "\r" in rendered:  # (looking is quick; replacing "\r\n" copies megabytes slowly)
        rendered = rendered.replace("\r\n", "\n").replace("\r", "\n")
    if "<" not in rendered or MARKER not in rendered:
        # No line can read as a marker (most views). Looking for "<" is quick, for MARKER
        # in megabytes of rows, not so.
        return rendered
    lines = rendered.split("\n")
    return "\n".join(
        line.replace("<!--", "&lt;!--", 1) if BEGIN.match(line) or END.match(line) else line
        for line in lines
    )


def write_plan(plan: IndexPlan, *, cache: RenderCache | None = None) -> WriteResult:
    """Write each note of ``plan`` that did not change since it was read. With the cache
    that planned it, the cache parses what was written for the next plan (after writing)."""
    result = WriteResult()
    for update in plan.updates:
        try:
            if not write_atomically(update.snapshot, update.new_data):
                continue
        except NoteChanged:
            result.skipped.append((update.path, "it changed while being indexed; run again"))
            continue
        except OSError as error:
            result.skipped.append((update.path, f"cannot be written: {error.strerror or error}"))
            continue
        result.written.append(update)
        if cache is not None:
            cache.wrote(update)
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
