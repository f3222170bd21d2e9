"""Generated blocks inside notes: find them, and rewrite them without harming anything else.

A block sits between two HTML comments, each alone on its line::

    <!-- vault-tools:begin contacts status=contacted sort=last_contact -->
    ...generated...
    <!-- vault-tools:end contacts -->

When vault-tools writes a block it adds ``hash=`` to the begin marker: a short hash of
what it generated. A block whose content no longer matches its hash was edited by
hand and is not overwritten unless forced.

Only the lines between the markers (and the hash in the begin marker) ever change.
The note's other bytes, its line endings, byte-order mark and file mode stay as they
were, and the file is replaced atomically, only if it did not change meanwhile.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import hashlib
import os
import re
import shlex
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

BEGIN = re.compile(r"^[ \t]*<!--[ \t]*vault-tools:begin(?:[ \t]+(?P<rest>.*?))?[ \t]*-->[ \t]*$")
END = re.compile(r"^[ \t]*<!--[ \t]*vault-tools:end(?:[ \t]+(?P<view>\S+))?[ \t]*-->[ \t]*$")
# A hash argument outside quotes (a quoted value that happens to contain "hash=" is the
# person's text); quoted values are matched first so that they are kept whole.
HASH_ARGUMENT = re.compile(r"\"[^\"]*\"|'[^']*'|[ \t]+hash=[0-9a-f]*(?=[ \t]|$)")
_FENCE = re.compile(r"^[ \t]*(?:>[ \t]*)*(`{3,}|~{3,})")
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Block:
    view: str
    arguments: dict[str, str]
    begin: int
    """0-based index of the begin marker's line."""
    end: int
    """0-based index of the end marker's line."""
    recorded_hash: str | None
    content: str
    """The lines between the markers, joined with \\n (line endings normalized)."""
    span: tuple[int, int] = field(default=(0, 0), compare=False, repr=False)
    """Where the begin marker's line starts and the end marker's line starts, as offsets
    into the parsed text (for ``replace_blocks``, which then need not look for them)."""

    @property
    def edited_by_hand(self) -> bool:
        return self.recorded_hash is not None and self.recorded_hash != content_hash(self.content)


@dataclass(frozen=True)
class BlockProblem:
    line: int
    """1-based line of the file."""
    message: str
    fix: str | None = None


@dataclass
class ParsedBlocks:
    blocks: list[Block] = field(default_factory=list)
    problems: list[BlockProblem] = field(default_factory=list)
    first_line: int = 1
    """The file line of the parsed text's first line: blocks' lines are relative to it."""

    def file_line(self, block: Block) -> int:
        return block.begin + self.first_line


def content_hash(content: str) -> str:
    if "\r" in content:  # (looking is quick; replacing copies even a block of megabytes)
        content = content.replace("\r\n", "\n")
    return hashlib.sha256(content.encode("utf-8")).hexdigest()[:8]


def find_blocks(text: str, first_line: int = 1) -> ParsedBlocks:
    """The well-formed blocks of ``text``, and what is wrong with the others.

    Markers inside fenced code blocks are examples, not blocks. A begin without an end,
    a block inside a block, an end without a begin or with another view's name is a
    problem, and no block of the note is rewritten while the note has one. ``text``
    starts on line ``first_line`` of its file; problems carry file lines, as an editor
    counts them (see ``editor_line``).
    """
    found = ParsedBlocks(first_line=first_line)
    shift = first_line - 1
    if "vault-tools:" not in text:
        return found

    def line_at(offset: int) -> int:
        return shift + editor_line(text, offset)

    open_block: tuple[int, int, str, dict[str, str], str | None] | None = None
    fence: str | None = None
    for index, start, line in _marker_lines(text):
        fence_match = _FENCE.match(line)
        if fence is not None:
            if (
                fence_match
                and fence_match.group(1)[0] == fence[0]
                and len(fence_match.group(1)) >= len(fence)
            ):
                fence = None
            continue
        if fence_match and open_block is None:
            fence = fence_match.group(1)
            continue
        begin = BEGIN.match(line)
        if begin:
            if open_block is not None:
                found.problems.append(
                    BlockProblem(
                        line_at(start),
                        f"a block begins inside the {open_block[2]!r} block opened on line "
                        f"{line_at(open_block[1])}; blocks cannot nest",
                        f"add <!-- vault-tools:end {open_block[2]} --> before this line",
                    )
                )
                return found
            parsed = _parse_begin(begin.group("rest") or "")
            if isinstance(parsed, BlockProblem):
                found.problems.append(BlockProblem(line_at(start), parsed.message, parsed.fix))
                return found
            view, arguments, recorded = parsed
            open_block = (index, start, view, arguments, recorded)
            continue
        end = END.match(line)
        if end:
            name = end.group("view")
            if open_block is None:
                found.problems.append(
                    BlockProblem(
                        line_at(start),
                        f"end marker{f' of {name!r}' if name else ''} without a begin",
                        "delete it, or add the begin marker above the block",
                    )
                )
                return found
            begin_index, begin_start, view, arguments, recorded = open_block
            if name is not None and name != view:
                found.problems.append(
                    BlockProblem(
                        line_at(start),
                        f"end marker of {name!r} closes the {view!r} block "
                        f"opened on line {line_at(begin_start)}",
                        f"write <!-- vault-tools:end {view} -->",
                    )
                )
                return found
            # The lines between the markers: from after the begin line to before this one.
            content = (
                text[text.index("\n", begin_start) + 1 : start - 1]
                if index > begin_index + 1
                else ""
            )
            if "\r" in content:
                content = "\n".join(raw.rstrip("\r") for raw in content.split("\n"))
            found.blocks.append(
                Block(view, arguments, begin_index, index, recorded, content, (begin_start, start))
            )
            open_block = None
    if open_block is not None:
        found.problems.append(
            BlockProblem(
                line_at(open_block[1]),
                f"the {open_block[2]!r} block is never closed",
                f"add <!-- vault-tools:end {open_block[2]} --> after the block",
            )
        )
    return found


def editor_line(text: str, offset: int) -> int:
    """The 1-based line of ``text`` that ``offset`` (a line's start) is on, as an editor
    and the parser count lines: LF, CRLF and a lone CR each end one."""
    breaks = text.count("\n", 0, offset)
    if text.find("\r", 0, offset) >= 0:
        breaks += text.count("\r", 0, offset) - text.count("\r\n", 0, offset)
    return breaks + 1


def body_start_index(text: str) -> int:
    """The index of the body's first line in ``text.split("\\n")``: after the frontmatter,
    found by the parser's rule (``---`` on line 1, closed by ``---`` or ``...``)."""
    index, start = 0, 0
    while True:  # line by line, up to the end of the frontmatter only
        end = text.find("\n", start)
        line = (text[start:] if end < 0 else text[start:end]).rstrip("\r").rstrip(" \t")
        if index == 0 and line != "---":
            return 0
        if index > 0 and line in ("---", "..."):
            return index + 1
        if end < 0:
            return 0
        index, start = index + 1, end + 1


def body_of(text: str, start: int) -> str:
    """``"\\n".join(text.split("\\n")[start:])``, without splitting the whole text."""
    if start == 0:
        return text
    parts = text.split("\n", start)
    return parts[start] if len(parts) > start else ""


def find_body_blocks(text: str) -> tuple[int, str, ParsedBlocks]:
    """``find_blocks`` of the body of the note ``text``, with the index of the body's first
    line and the body. Blocks live in the body, as lint sees them: a marker or a fence in
    the frontmatter's YAML is text of a property. A note that breaks a line with a lone CR
    and has a marker in its body has one problem instead (see ``lone_cr_marker_line``)."""
    start = body_start_index(text)
    body = body_of(text, start)
    first_line = editor_line(text, len(text) - len(body))
    line = lone_cr_marker_line(text)
    if line is not None:
        return start, body, ParsedBlocks(problems=[BlockProblem(line, *LONE_CR_PROBLEM)])
    return start, body, find_blocks(body, first_line=first_line)


def lone_cr_marker_line(text: str) -> int | None:
    """In a note that breaks some line with a lone carriage return (CR, an old Mac line
    ending) before its end: the line, as an editor counts lines, of the first marker of its
    body; None for any other note. (CRs at the end of a line, as in CR CR LF, leave the
    lines where they are.)

    vault-tools rewrites no block of such a note. Blocks are found and rewritten on the
    note's own bytes, lines ending in LF, so that every other byte stays as it was; where
    a lone CR breaks lines, that reading and the parser's (an editor's) differ: a marker, a
    fence or the frontmatter's end can sit mid-line in one and on a line of its own in the
    other. A marker in the body by either reading counts. Lint and index both report it,
    from this one function, so that they agree."""
    if "\r" not in text or text.count("\r") == text.count("\r\n"):
        return None
    if not _MID_LINE_CR.search(text):
        return None  # CRs only at the ends of lines (CR CR LF): no line breaks mid-line
    found = []
    as_edited = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number in range(body_start_index("\n".join(as_edited)), len(as_edited)):
        if is_marker(as_edited[number]):
            found.append(number + 1)
            break
    # As index reads the note: LF lines, CRs at their ends dropped.
    offset, body_starts = 0, body_start_index(text)
    for number, line in enumerate(text.split("\n")):
        if number >= body_starts and is_marker(line.rstrip("\r")):
            found.append(editor_line(text, offset))
            break
        offset += len(line) + 1
    return min(found) if found else None


_MID_LINE_CR = re.compile(r"\r(?!\r*(?:\n|\Z))")
"""A CR with more than CRs between it and the end of its LF line."""


def is_marker(line: str) -> bool:
    """Whether ``line`` (without its line ending) is a begin or an end marker."""
    return bool(BEGIN.match(line) or END.match(line))


LONE_CR_PROBLEM = (
    "the note breaks a line with a lone carriage return (CR), an old Mac line ending: "
    "vault-tools reads blocks on lines that end in LF or CRLF, so it rewrites no block "
    "of this note",
    "save the note with LF or CRLF line endings (your editor's line-ending setting)",
)
"""Why no block of a note with a lone CR is rewritten, and what to do."""


_MARKER_NEEDLES = ("vault-tools:", "`", "~")
"""What a line that can open or close a block or a fence holds (a fence: ``` or ~~~)."""


def _marker_lines(text: str) -> list[tuple[int, int, str]]:
    """The lines of ``text`` that can be a marker or a fence, in order: (0-based index,
    offset of the line's start, the line without its line ending). Every other line leaves
    ``find_blocks`` as it was; skipping them makes a note of thousands of rows quick."""
    starts: set[int] = set()
    for needle in _MARKER_NEEDLES:
        at = text.find(needle)
        while at >= 0:
            starts.add(text.rfind("\n", 0, at) + 1)
            line_end = text.find("\n", at)
            if line_end < 0:
                break
            at = text.find(needle, line_end)
    lines = []
    index, counted_to = 0, 0
    for start in sorted(starts):
        index += text.count("\n", counted_to, start)
        counted_to = start
        line_end = text.find("\n", start)
        line = text[start:] if line_end < 0 else text[start:line_end]
        lines.append((index, start, line.rstrip("\r")))
    return lines


def parse_begin_marker(line: str) -> tuple[str, dict[str, str], str | None] | None:
    """The view, arguments and recorded hash of a begin marker (a line without its line
    ending), or None if it is not one that ``find_blocks`` takes."""
    match = BEGIN.match(line)
    if match is None:
        return None
    parsed = _parse_begin(match.group("rest") or "")
    return None if isinstance(parsed, BlockProblem) else parsed


def _parse_begin(rest: str) -> tuple[str, dict[str, str], str | None] | BlockProblem:
    try:
        words = shlex.split(rest)
    except ValueError as error:
        return BlockProblem(
            0,
            f"cannot read the begin marker's arguments: {error}",
            'quote values with spaces: organization="Acme Corp"',
        )
    if not words:
        return BlockProblem(
            0,
            "begin marker names no view",
            "write <!-- vault-tools:begin VIEW --> (`vault-tools index --help` lists the views)",
        )
    view, *pairs = words
    arguments: dict[str, str] = {}
    recorded: str | None = None
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key:
            return BlockProblem(
                0, f"argument {pair!r} is not key=value", "write arguments as key=value"
            )
        if key == "hash":
            recorded = value
        else:
            arguments[key] = value
    return view, arguments, recorded


def replace_blocks(
    text: str,
    generated: dict[int, str],
    spans: dict[int, tuple[int, int]] | None = None,
    hashes: dict[int, str] | None = None,
) -> str:
    """``text`` with the content of each block (by begin line) replaced and its hash updated.

    ``generated`` content uses \\n; it is written with the note's own line ending.
    ``spans`` may give, by begin line, where the begin and end marker lines start in
    ``text`` (``Block.span``, shifted to ``text``); otherwise they are looked for.
    ``hashes`` may give, by begin line, the ``content_hash`` of the generated content.
    """
    return rewrite_blocks(text, generated, spans, hashes)[0]


def rewrite_blocks(
    text: str,
    generated: dict[int, str],
    spans: dict[int, tuple[int, int]] | None = None,
    hashes: dict[int, str] | None = None,
) -> tuple[str, dict[int, tuple[int, int]]]:
    """``replace_blocks``, and where the begin and end marker lines of each block rewritten
    start in the new text (by begin line, as in ``generated``)."""
    if spans is None:
        spans = _spans(text, generated)
    # (Looking for "\r" first is quick; for "\r\n" in a text of megabytes, slow.)
    newline_suffix = "\r" if "\r" in text and "\r\n" in text else ""
    pieces = []
    done = 0
    length = 0  # of the new text so far
    moved: dict[int, tuple[int, int]] = {}
    for begin in sorted(generated):
        content = generated[begin]
        start, end_start = spans[begin]
        begin_line = text[start : text.index("\n", start)]
        ending = "\r" if begin_line.endswith("\r") else ""
        marker = begin_line.rstrip("\r")
        close = marker.rindex("-->")
        head = HASH_ARGUMENT.sub(_keep_quoted, marker[:close].rstrip())
        known = hashes.get(begin) if hashes is not None else None
        new_marker = f"{head} hash={known or content_hash(content)} {marker[close:]}{ending}"
        pieces += [text[done:start], new_marker]
        length += start - done
        new_start = length
        length += len(new_marker)
        if content:
            if newline_suffix:
                content = content.replace("\n", newline_suffix + "\n")
            pieces += ["\n", content, newline_suffix]
            length += 1 + len(content) + len(newline_suffix)
        pieces.append("\n")
        length += 1
        moved[begin] = (new_start, length)
        done = end_start
    pieces.append(text[done:])
    return "".join(pieces), moved


def _keep_quoted(match: re.Match[str]) -> str:
    return match.group(0) if match.group(0)[0] in "\"'" else ""


def _spans(text: str, generated: dict[int, str]) -> dict[int, tuple[int, int]]:
    """Where each block (by begin line) has its begin and end marker lines start."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    return {begin: (starts[begin], starts[_end_of(lines, begin)]) for begin in generated}


def _end_of(lines: list[str], begin: int) -> int:
    for index in range(begin + 1, len(lines)):
        if END.match(lines[index].rstrip("\r")):
            return index
    raise ValueError(f"block at line {begin + 1} has no end marker")


# -- writing -----------------------------------------------------------------------------


class NoteChanged(Exception):
    """The note changed on disk after it was read; it was not overwritten."""


@dataclass(frozen=True)
class NoteSnapshot:
    """A note's bytes as read, with what identifies that version on disk."""

    path: Path
    data: bytes
    mtime_ns: int
    size: int

    @classmethod
    def read(cls, path: Path) -> NoteSnapshot:
        with open(path, "rb") as handle:
            status = os.fstat(handle.fileno())
            data = handle.read()
        return cls(path, data, status.st_mtime_ns, status.st_size)

    @property
    def text(self) -> str:
        """The note as text without its byte-order mark. Raises UnicodeDecodeError."""
        return self.data.removeprefix(BOM).decode("utf-8")

    def encode(self, text: str) -> bytes:
        """``text`` as bytes in this note's encoding, byte-order mark included."""
        return (BOM if self.data.startswith(BOM) else b"") + text.encode("utf-8")


def write_atomically(snapshot: NoteSnapshot, data: bytes) -> bool:
    """Replace the note read as ``snapshot`` with ``data``; False when nothing changes.

    The new bytes go to a hidden temporary file in the same folder, are flushed to disk
    and take the note's mode, then replace the note in one step. If the note changed
    since ``snapshot`` was read, NoteChanged is raised and the note is left alone.
    OSError (disk full, permissions, read-only) leaves the note intact.
    """
    if data == snapshot.data:
        return False
    # Write where the bytes live: a symlinked note stays a symlink to the updated file.
    path = Path(os.path.realpath(snapshot.path))
    status = os.stat(path)
    _refuse_read_only(path, "note")
    remove_stale_temporaries(path)

    with contextlib.ExitStack() as held:

        def unchanged_since_read() -> None:
            with open(path, "rb") as handle:
                current = os.fstat(handle.fileno())
                data_now = handle.read()
                if os.name == "posix":  # (Windows cannot replace a file that is open)
                    # The note stays open until it is replaced: the file system then frees
                    # its blocks when it is closed, after the new note is in place, not
                    # during the rename (milliseconds, for a note of megabytes).
                    with contextlib.suppress(OSError):  # (no descriptor left: no matter)
                        held.callback(os.close, os.dup(handle.fileno()))
            if (current.st_mtime_ns, current.st_size, data_now) != (
                snapshot.mtime_ns,
                snapshot.size,
                snapshot.data,
            ):
                raise NoteChanged(f"{path} changed while it was being updated; it was left as is")

        _replace_with(path, data, status.st_mode & 0o7777, before_replace=unchanged_since_read)
    return True


STALE_SECONDS = 60


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Remove what a killed writer left beside ``path`` (``.NAME.*.vtmp`` older than a
    minute; a younger one may belong to a writer still at work). Returns what went."""
    removed = []
    cutoff = time.time() - STALE_SECONDS
    for leftover in path.parent.glob(f".{glob.escape(path.name)}.*.vtmp"):
        with contextlib.suppress(OSError):
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
                removed.append(leftover)
    return removed


def create_atomically(path: Path, data: bytes) -> None:
    """Create ``path`` holding ``data``, all at once: a reader (or a crash) sees no file or
    the whole file, never part of it. FileExistsError if ``path`` exists; it is untouched.

    The bytes go to a hidden temporary file that is then hard-linked into place (linking
    fails if the name is taken, which makes the creation exclusive); file systems without
    hard links fall back to an exclusive-create check and a rename.
    """
    temporary = _write_temporary(path, data)
    try:
        os.chmod(temporary, 0o666 & ~_umask())
        try:
            os.link(temporary, path)
        except FileExistsError:
            raise
        except OSError:  # no hard links here (some network and FUSE file systems)
            if os.path.lexists(path):
                raise FileExistsError(errno.EEXIST, "file exists", str(path)) from None
            os.replace(temporary, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
    _fsync_folder(path.parent)


def write_file_atomically(path: Path, data: bytes) -> None:
    """Create or replace ``path`` with ``data`` in one step (for output files such as
    ``graph -o``): a crash or a full disk leaves the old file or none, never part of one.

    An existing file keeps its mode, a read-only one is refused (PermissionError), and a
    symlink stays a symlink to the updated file. Anything but a regular file (a device
    such as /dev/null or /dev/stdout, a named pipe) is written to as it is.
    """
    path = Path(os.path.realpath(path))
    try:
        status = os.stat(path)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    else:
        if not stat.S_ISREG(status.st_mode):
            with open(path, "wb") as out:
                out.write(data)
            return
        _refuse_read_only(path, "file")
        mode = status.st_mode & 0o7777
    _replace_with(path, data, mode)


def _replace_with(
    path: Path, data: bytes, mode: int, before_replace: Callable[[], None] | None = None
) -> None:
    """Put ``data`` at ``path`` in one step: a flushed temporary file beside it, given
    ``mode``, renamed over it. ``before_replace`` may raise to leave ``path`` alone; on any
    failure the temporary file goes."""
    temporary = _write_temporary(path, data)
    try:
        os.chmod(temporary, mode)
        if before_replace is not None:
            before_replace()
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_folder(path.parent)


def _refuse_read_only(path: Path, what: str) -> None:
    """OSError when ``path`` cannot be written: os.replace would swap a read-only file
    out from under its owner, so refuse instead (EROFS on a read-only mount)."""
    if os.access(path, os.W_OK):
        return
    if hasattr(os, "statvfs") and os.statvfs(path).f_flag & os.ST_RDONLY:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
    raise PermissionError(errno.EACCES, f"the {what} is read-only", str(path))


def _write_temporary(path: Path, data: bytes) -> str:
    """``data`` in a new hidden file beside ``path``, flushed to disk; its name.

    If writing fails (a full disk, say) the temporary file is removed and OSError raised.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".vtmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return temporary


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _fsync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
