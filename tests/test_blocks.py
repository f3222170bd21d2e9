"""Generated blocks: finding the markers, and rewriting a block without harming the note.

The writer is tested through real files in ``tmp_path``: only the lines between the
markers and the begin marker's ``hash=`` may change; line endings, byte-order mark and
file mode stay; nothing is written when nothing changes; a note changed by someone else
meanwhile is left as they left it; and no temporary file is ever left behind.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vault_tools.blocks import (
    BEGIN,
    BOM,
    END,
    LONE_CR_PROBLEM,
    BlockProblem,
    NoteChanged,
    NoteSnapshot,
    _parse_begin,
    content_hash,
    find_blocks,
    find_body_blocks,
    lone_cr_marker_line,
    replace_blocks,
    write_atomically,
)

PREFIX = "---\ntype: dashboard\n---\n# Home\n\nWritten by hand, above the block.\n"
SUFFIX = "\nWritten by hand, below the block.\n\n- [[Somewhere]]\n"
BLOCK = (
    '<!-- vault-tools:begin contacts organization="Acme Corp" sort=-last_contact -->\n'
    "old line 1\n"
    "old line 2\n"
    "<!-- vault-tools:end contacts -->\n"
)
NEW_CONTENT = "\n| Name |\n|---|\n| [[Ann Lee]] |\n"


def write_note(folder: Path, data: bytes, name: str = "Home.md") -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def leftovers(folder: Path) -> list[str]:
    """Temporary files of the writer still in ``folder``."""
    return sorted(name for name in os.listdir(folder) if name.endswith(".vtmp"))


def regenerate(snapshot: NoteSnapshot, content: str = NEW_CONTENT) -> bytes:
    """The note's bytes with each of its blocks holding ``content``."""
    text = snapshot.text
    parsed = find_blocks(text)
    assert not parsed.problems
    return snapshot.encode(replace_blocks(text, {block.begin: content for block in parsed.blocks}))


# -- find_blocks ---------------------------------------------------------------------------


def test_finds_a_block_with_its_arguments(tmp_path: Path) -> None:
    path = write_note(tmp_path, (PREFIX + BLOCK + SUFFIX).encode())
    parsed = find_blocks(NoteSnapshot.read(path).text)
    assert parsed.problems == []
    [block] = parsed.blocks
    assert block.view == "contacts"
    assert block.arguments == {"organization": "Acme Corp", "sort": "-last_contact"}
    assert block.recorded_hash is None
    assert not block.edited_by_hand  # never generated: nothing to protect
    begin_line = PREFIX.count("\n")
    assert (block.begin, block.end) == (begin_line, begin_line + 3)
    assert block.content == "old line 1\nold line 2"


def test_finds_several_blocks_and_the_recorded_hash(tmp_path: Path) -> None:
    text = (
        "<!-- vault-tools:begin fields hash=0123abcd -->\n"
        "x\n"
        "<!-- vault-tools:end fields -->\n"
        "between\n"
        "  <!--vault-tools:begin interviews limit=2-->  \n"
        "<!--   vault-tools:end   -->\n"
    )
    parsed = find_blocks(NoteSnapshot.read(write_note(tmp_path, text.encode())).text)
    assert parsed.problems == []
    first, second = parsed.blocks
    assert (first.view, first.arguments, first.recorded_hash) == ("fields", {}, "0123abcd")
    assert (first.begin, first.end, first.content) == (0, 2, "x")
    assert (second.view, second.arguments, second.recorded_hash) == (
        "interviews",
        {"limit": "2"},
        None,
    )
    assert (second.begin, second.end, second.content) == (4, 5, "")


def test_single_quoted_and_escaped_arguments() -> None:
    text = (
        '<!-- vault-tools:begin contacts organization=\'Acme Corp\' role="Design \\"Ops\\"" -->\n'
        "<!-- vault-tools:end contacts -->\n"
    )
    [block] = find_blocks(text).blocks
    assert block.arguments == {"organization": "Acme Corp", "role": 'Design "Ops"'}


@pytest.mark.parametrize("fence", ["```", "~~~~", "> ```"])
def test_markers_inside_fenced_code_are_examples(fence: str) -> None:
    closing = fence.replace("~~~~", "~~~~~")  # a longer fence of the same kind closes it
    text = (
        "Write a block like this:\n"
        f"{fence}markdown\n"
        "<!-- vault-tools:begin contacts -->\n"
        "<!-- vault-tools:end organizations -->\n"
        f"{closing}\n"
        "<!-- vault-tools:begin fields -->\n"
        "<!-- vault-tools:end fields -->\n"
    )
    parsed = find_blocks(text)
    assert parsed.problems == []
    assert [(block.view, block.begin) for block in parsed.blocks] == [("fields", 5)]


def test_a_fence_of_the_other_kind_does_not_close_the_code_block() -> None:
    text = "```\n~~~\n<!-- vault-tools:begin contacts -->\n```\n<!-- vault-tools:end contacts -->\n"
    parsed = find_blocks(text)
    assert parsed.blocks == []
    assert [problem.line for problem in parsed.problems] == [5]  # the end is outside the code


def test_marker_text_that_is_not_alone_on_its_line_is_not_a_marker() -> None:
    text = (
        "See <!-- vault-tools:begin contacts --> here.\n"
        "`<!-- vault-tools:end contacts -->`\n"
        "<!-- vault-tools:begin contacts --> and more\n"
    )
    assert find_blocks(text).blocks == []
    assert find_blocks(text).problems == []


MALFORMED = {
    "begin without end": (
        "# Home\n\n<!-- vault-tools:begin contacts -->\n| a |\n",
        3,
        "never closed",
    ),
    "nested begin": (
        "<!-- vault-tools:begin contacts -->\nrow\n<!-- vault-tools:begin fields -->\n"
        "<!-- vault-tools:end fields -->\n<!-- vault-tools:end contacts -->\n",
        3,
        "cannot nest",
    ),
    "end without begin": (
        "text\n\n\n<!-- vault-tools:end contacts -->\n",
        4,
        "without a begin",
    ),
    "end naming another view": (
        "a\n<!-- vault-tools:begin contacts -->\nrow\n<!-- vault-tools:end fields -->\n",
        4,
        "closes the 'contacts' block opened on line 2",
    ),
    "unbalanced quote": (
        'a\nb\n<!-- vault-tools:begin contacts organization="Acme Corp -->\n'
        "<!-- vault-tools:end contacts -->\n",
        3,
        "cannot read the begin marker's arguments",
    ),
    "begin with no view": (
        "<!-- vault-tools:begin -->\n<!-- vault-tools:end -->\n",
        1,
        "names no view",
    ),
    "argument without =": (
        "\n<!-- vault-tools:begin contacts sorted -->\n<!-- vault-tools:end contacts -->\n",
        2,
        "is not key=value",
    ),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_each_malformed_block_is_one_problem_on_its_line(tmp_path: Path, case: str) -> None:
    text, line, words = MALFORMED[case]
    parsed = find_blocks(NoteSnapshot.read(write_note(tmp_path, text.encode())).text)
    assert len(parsed.problems) == 1, parsed.problems
    [problem] = parsed.problems
    assert problem.line == line
    assert words in problem.message
    assert problem.fix


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            "a\rb\nintro\r<!-- vault-tools:begin contacts -->\nrow\n"
            "<!-- vault-tools:end contacts -->\n",
            4,
        ),
        ("<!-- vault-tools:begin contacts -->\rtext\n<!-- vault-tools:end contacts -->\n", 1),
        (
            "# Home\n<!-- vault-tools:begin contacts\rsort=name -->\n"
            "<!-- vault-tools:end contacts -->\n",
            2,
        ),
        (
            "intro\r```\n<!-- vault-tools:begin contacts -->\n"
            "<!-- vault-tools:end contacts -->\n```\n",
            3,
        ),
        ("---\nk: v\r---\r<!-- vault-tools:begin contacts -->\n| stale |\n", 4),
    ],
    ids=["before", "after", "inside", "fence", "frontmatter-end"],
)
def test_a_note_with_a_lone_cr_and_a_marker_in_its_body_has_one_problem(text, line) -> None:
    """Where a lone CR breaks lines, the note's LF lines and an editor's lines differ: no
    block of such a note is rewritten, and the problem is on the first marker's line."""
    [problem] = find_body_blocks(text)[2].problems
    assert (problem.line, problem.message) == (line, LONE_CR_PROBLEM[0])
    assert lone_cr_marker_line(text) == line


@pytest.mark.parametrize(
    "text",
    [
        "# Home\r\r\n<!-- vault-tools:begin contacts -->\r\r\n"
        "<!-- vault-tools:end contacts -->\r\n",
        "---\nnote: |\n  x\r<!-- vault-tools:begin contacts -->\n---\n# Home\n",
        "a\rb\n# no markers\n",
        "---\r<!-- vault-tools:end contacts -->\r---\n# Home\n",
        "<!-- vault-tools:begin contacts -->\r\n<!-- vault-tools:end contacts -->\r\n",
    ],
    ids=["cr-cr-lf", "frontmatter-only", "no-marker", "in-a-cr-frontmatter", "crlf"],
)
def test_a_lone_cr_outside_the_body_or_without_markers_is_no_problem(text) -> None:
    assert lone_cr_marker_line(text) is None
    assert find_body_blocks(text)[2].problems == []


def test_problem_lines_count_crlf_lines_once() -> None:
    text = "a\r\nb\r\n<!-- vault-tools:begin contacts -->\r\nrow\r\n"
    [problem] = find_blocks(text).problems
    assert problem.line == 3


# -- replace_blocks and the writer ---------------------------------------------------------


def test_bytes_outside_the_block_are_identical(tmp_path: Path) -> None:
    path = write_note(tmp_path, (PREFIX + BLOCK + SUFFIX).encode())
    snapshot = NoteSnapshot.read(path)
    assert write_atomically(snapshot, regenerate(snapshot)) is True
    data = path.read_bytes()
    end_marker = b"<!-- vault-tools:end contacts -->\n"
    assert data.startswith(PREFIX.encode())
    assert data.endswith(end_marker + SUFFIX.encode())
    [block] = find_blocks(data.decode()).blocks
    assert block.content == NEW_CONTENT
    assert block.recorded_hash == content_hash(NEW_CONTENT)
    assert block.arguments == {"organization": "Acme Corp", "sort": "-last_contact"}
    begin_line = data.decode().split("\n")[block.begin]
    assert begin_line == (
        '<!-- vault-tools:begin contacts organization="Acme Corp" sort=-last_contact '
        f"hash={content_hash(NEW_CONTENT)} -->"
    )
    assert not block.edited_by_hand


def test_only_the_blocks_change_when_a_note_has_several(tmp_path: Path) -> None:
    middle = "\nA paragraph between the blocks.\n\n"
    second = (
        "<!-- vault-tools:begin fields hash=ffffffff -->\nold\n<!-- vault-tools:end fields -->\n"
    )
    path = write_note(tmp_path, (PREFIX + BLOCK + middle + second + SUFFIX).encode())
    snapshot = NoteSnapshot.read(path)
    write_atomically(snapshot, regenerate(snapshot))
    text = path.read_text(encoding="utf-8")
    assert text.startswith(PREFIX)
    assert text.endswith("<!-- vault-tools:end fields -->\n" + SUFFIX)
    assert "<!-- vault-tools:end contacts -->\n" + middle + "<!-- vault-tools:begin fields" in text
    assert [block.content for block in find_blocks(text).blocks] == [NEW_CONTENT, NEW_CONTENT]
    assert "ffffffff" not in text


def test_crlf_note_stays_crlf_everywhere(tmp_path: Path) -> None:
    original = (PREFIX + BLOCK + SUFFIX).replace("\n", "\r\n").encode()
    path = write_note(tmp_path, original)
    snapshot = NoteSnapshot.read(path)
    assert write_atomically(snapshot, regenerate(snapshot))
    data = path.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n")  # generated lines too
    assert data.count(b"\r") == data.count(b"\r\n")
    assert data.startswith(PREFIX.replace("\n", "\r\n").encode())
    assert data.endswith(
        ("<!-- vault-tools:end contacts -->\n" + SUFFIX).replace("\n", "\r\n").encode()
    )
    [block] = find_blocks(data.decode()).blocks
    assert block.content == NEW_CONTENT  # line endings normalized in what find_blocks returns
    assert not block.edited_by_hand


def test_byte_order_mark_is_kept(tmp_path: Path) -> None:
    path = write_note(tmp_path, BOM + (PREFIX + BLOCK + SUFFIX).encode())
    snapshot = NoteSnapshot.read(path)
    assert not snapshot.text.startswith("\ufeff")
    assert write_atomically(snapshot, regenerate(snapshot))
    data = path.read_bytes()
    assert data.startswith(BOM + PREFIX.encode())
    assert not data[len(BOM) :].startswith(BOM)


def test_file_mode_is_kept(tmp_path: Path) -> None:
    path = write_note(tmp_path, (PREFIX + BLOCK + SUFFIX).encode())
    path.chmod(0o640)
    snapshot = NoteSnapshot.read(path)
    assert write_atomically(snapshot, regenerate(snapshot))
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_nothing_is_written_when_nothing_changes(tmp_path: Path) -> None:
    path = write_note(tmp_path, (PREFIX + BLOCK + SUFFIX).encode())
    first = NoteSnapshot.read(path)
    write_atomically(first, regenerate(first))
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))  # an mtime a rewrite could not keep
    snapshot = NoteSnapshot.read(path)
    inode = path.stat().st_ino
    assert regenerate(snapshot) == snapshot.data  # regenerating again changes no byte
    assert write_atomically(snapshot, regenerate(snapshot)) is False
    assert path.stat().st_mtime_ns == 1_000_000_000
    assert path.stat().st_ino == inode
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("same_size", [False, True], ids=["other-size", "same-size-same-mtime"])
def test_note_changed_meanwhile_is_left_as_the_other_writer_left_it(
    tmp_path: Path, same_size: bool
) -> None:
    original = (PREFIX + BLOCK + SUFFIX).encode()
    path = write_note(tmp_path, original)
    snapshot = NoteSnapshot.read(path)
    theirs = (
        original.replace(b"Written by hand", b"Typed by others")
        if same_size
        else (original + b"A line typed in another editor.\n")
    )
    assert (len(theirs) == len(original)) is same_size
    path.write_bytes(theirs)
    if same_size:  # only the bytes tell the versions apart
        os.utime(path, ns=(snapshot.mtime_ns, snapshot.mtime_ns))
    with pytest.raises(NoteChanged):
        write_atomically(snapshot, regenerate(snapshot))
    assert path.read_bytes() == theirs
    assert leftovers(tmp_path) == []


def test_symlinked_note_is_written_through_the_link(tmp_path: Path) -> None:
    original = (PREFIX + BLOCK + SUFFIX).encode()
    (tmp_path / "pages").mkdir()
    target = write_note(tmp_path / "pages", original, "Dashboard.md")
    link = tmp_path / "Home.md"
    link.symlink_to(Path("pages") / "Dashboard.md")
    snapshot = NoteSnapshot.read(link)
    new = regenerate(snapshot)
    assert write_atomically(snapshot, new)
    assert link.is_symlink()
    assert target.read_bytes() == new


def test_no_temporary_file_is_left_after_success(tmp_path: Path) -> None:
    path = write_note(tmp_path, (PREFIX + BLOCK + SUFFIX).encode())
    snapshot = NoteSnapshot.read(path)
    assert write_atomically(snapshot, regenerate(snapshot))
    assert sorted(os.listdir(tmp_path)) == ["Home.md"]


def test_failed_replace_leaves_the_note_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = (PREFIX + BLOCK + SUFFIX).encode()
    path = write_note(tmp_path, original)
    snapshot = NoteSnapshot.read(path)
    seen: list[str] = []

    def failing_replace(source: str, destination: object) -> None:
        seen.append(os.path.basename(source))
        assert os.path.exists(source)  # the new bytes were written, then the swap fails
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("vault_tools.blocks.os.replace", failing_replace)
    with pytest.raises(OSError, match="No space left"):
        write_atomically(snapshot, regenerate(snapshot))
    assert len(seen) == 1 and seen[0].endswith(".vtmp")
    assert path.read_bytes() == original
    assert sorted(os.listdir(tmp_path)) == ["Home.md"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_read_only_folder_leaves_the_note_and_no_temporary_file(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    original = (PREFIX + BLOCK + SUFFIX).encode()
    path = write_note(folder, original)
    snapshot = NoteSnapshot.read(path)
    folder.chmod(0o555)
    try:
        with pytest.raises(PermissionError):
            write_atomically(snapshot, regenerate(snapshot))
    finally:
        folder.chmod(0o755)
    assert path.read_bytes() == original
    assert sorted(os.listdir(folder)) == ["Home.md"]


def test_hand_edit_is_detected_by_the_hash(tmp_path: Path) -> None:
    path = write_note(tmp_path, (PREFIX + BLOCK + SUFFIX).encode())
    snapshot = NoteSnapshot.read(path)
    write_atomically(snapshot, regenerate(snapshot))
    generated = path.read_text(encoding="utf-8")
    assert not find_blocks(generated).blocks[0].edited_by_hand

    outside = generated.replace("Written by hand, below", "Rewritten by hand, below")
    assert not find_blocks(outside).blocks[0].edited_by_hand

    as_crlf = generated.replace("\n", "\r\n")  # an editor changing line endings edits nothing
    assert not find_blocks(as_crlf).blocks[0].edited_by_hand

    inside = generated.replace("| [[Ann Lee]] |", "| [[Ann Lee]] | my note |")
    [block] = find_blocks(inside).blocks
    assert block.edited_by_hand
    assert block.recorded_hash == content_hash(NEW_CONTENT)

    added_line = generated.replace("| [[Ann Lee]] |\n", "| [[Ann Lee]] |\n| [[Bo Kim]] |\n")
    assert find_blocks(added_line).blocks[0].edited_by_hand


def test_rewriting_a_block_with_a_stale_hash_replaces_the_hash(tmp_path: Path) -> None:
    text = PREFIX + BLOCK.replace("-last_contact -->", "-last_contact hash=deadbeef  -->") + SUFFIX
    path = write_note(tmp_path, text.encode())
    snapshot = NoteSnapshot.read(path)
    write_atomically(snapshot, regenerate(snapshot))
    new = path.read_text(encoding="utf-8")
    assert "deadbeef" not in new
    assert new.count("hash=") == 1
    assert find_blocks(new).blocks[0].recorded_hash == content_hash(NEW_CONTENT)


def test_hash_like_words_inside_a_quoted_argument_are_kept() -> None:
    """Regression: the quoted value used to lose its " hash=beef" to the hash update."""
    text = (
        '<!-- vault-tools:begin contacts organization="Acme hash=beef Corp" -->\n'
        "<!-- vault-tools:end contacts -->\n"
    )
    assert find_blocks(text).blocks[0].arguments == {"organization": "Acme hash=beef Corp"}
    new = replace_blocks(text, {0: NEW_CONTENT})
    [block] = find_blocks(new).blocks
    assert block.arguments == {"organization": "Acme hash=beef Corp"}
    assert block.recorded_hash == content_hash(NEW_CONTENT)


def test_argument_added_after_the_hash_leaves_one_hash() -> None:
    text = (
        "<!-- vault-tools:begin contacts hash=deadbeef limit=5 -->\n"
        "old\n"
        "<!-- vault-tools:end contacts -->\n"
    )
    new = replace_blocks(text, {0: NEW_CONTENT})
    [block] = find_blocks(new).blocks
    assert block.arguments == {"limit": "5"}
    assert block.recorded_hash == content_hash(NEW_CONTENT)  # the last hash= is the one read
    assert new.split("\n")[0].count("hash=") == 1


# -- properties ------------------------------------------------------------------------------

_FENCE_LIKE = re.compile(r"^[ \t>]*(```|~~~)")
FRAGMENTS = st.sampled_from(
    [
        "\n",
        "\r\n",
        "\r",
        "é",
        "漢字",
        "🙂",
        "\u2028",
        "\x85",
        "|",
        "x <!-- vault-tools:begin contacts -->",
        "<!-- vault-tools:end contacts --> y",
        "`<!-- vault-tools:begin fields -->`",
        "hash=0123abcd",
        "-->",
        "<!--",
    ]
)
FREE_TEXT = st.lists(st.one_of(st.text(max_size=20), FRAGMENTS), max_size=12).map("".join)


def _lines(text: str) -> list[str]:
    return [line.rstrip("\r") for line in text.split("\n")]


def no_marker_lines(text: str) -> bool:
    return not any(BEGIN.match(line) or END.match(line) for line in _lines(text))


def no_fence_lines(text: str) -> bool:
    return not any(_FENCE_LIKE.match(line) for line in _lines(text))


BEFORE = FREE_TEXT.filter(no_marker_lines).filter(no_fence_lines)
AFTER = FREE_TEXT.filter(no_marker_lines)
OLD_CONTENT = FREE_TEXT.filter(no_marker_lines)
GENERATED = (
    st.lists(st.one_of(st.text(max_size=20), FRAGMENTS), max_size=12)
    .map("".join)
    .map(lambda text: text.replace("\r", ""))  # views write \n; the writer picks the ending
    .filter(no_marker_lines)
)


@settings(max_examples=200, deadline=None, database=None)
@given(
    before=BEFORE,
    after=AFTER,
    old=OLD_CONTENT,
    generated=GENERATED,
    newline=st.sampled_from(["\n", "\r\n"]),
    arguments=st.sampled_from(["", ' organization="Acme Corp"', " hash=0123abcd limit=3"]),
    bom=st.booleans(),
)
def test_replacing_a_block_changes_nothing_else(
    before: str,
    after: str,
    old: str,
    generated: str,
    newline: str,
    arguments: str,
    bom: bool,
) -> None:
    head = before + newline  # the begin marker starts a line of its own
    begin = f"<!-- vault-tools:begin contacts{arguments} -->{newline}"
    end = f"<!-- vault-tools:end contacts -->{newline}"
    body = old + newline if old else ""
    text = head + begin + body + end + after
    data = (BOM if bom else b"") + text.encode("utf-8")
    snapshot = NoteSnapshot(Path("note.md"), data, 0, len(data))

    parsed = find_blocks(snapshot.text)
    assert parsed.problems == []
    [block] = parsed.blocks
    assert block.begin == head.count("\n")

    new_text = replace_blocks(snapshot.text, {block.begin: generated})
    new_data = snapshot.encode(new_text)
    kept_before = (BOM if bom else b"") + head.encode("utf-8")
    kept_after = (end + after).encode("utf-8")
    assert new_data[: len(kept_before)] == kept_before
    assert new_data[len(new_data) - len(kept_after) :] == kept_after
    assert len(new_data) >= len(kept_before) + len(kept_after)

    [new_block] = find_blocks(new_text).blocks
    assert new_block.recorded_hash == content_hash(generated)
    assert new_block.content == generated
    assert not new_block.edited_by_hand
    assert new_block.arguments == block.arguments
    assert new_block.begin == block.begin

    assert replace_blocks(new_text, {new_block.begin: generated}) == new_text


def test_create_atomically_is_exclusive_whole_and_leaves_no_temporary(tmp_path, monkeypatch):
    from vault_tools.blocks import create_atomically

    target = tmp_path / "New.md"
    create_atomically(target, b"hello")
    assert target.read_bytes() == b"hello"
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask  # as open() would have made it
    with pytest.raises(FileExistsError):
        create_atomically(target, b"other")
    assert target.read_bytes() == b"hello"

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt  # the process dies between writing and linking

    monkeypatch.setattr(os, "link", interrupted)
    with pytest.raises(KeyboardInterrupt):
        create_atomically(tmp_path / "Half.md", b"x" * 100_000)
    assert not (tmp_path / "Half.md").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["New.md"]


def test_create_atomically_without_hard_links(tmp_path, monkeypatch):
    from vault_tools.blocks import create_atomically

    def unsupported(*args: object) -> None:
        raise OSError(errno.EPERM, "hard links not supported")

    monkeypatch.setattr(os, "link", unsupported)
    create_atomically(tmp_path / "A.md", b"a")
    assert (tmp_path / "A.md").read_bytes() == b"a"
    with pytest.raises(FileExistsError):
        create_atomically(tmp_path / "A.md", b"b")
    assert [p.name for p in tmp_path.iterdir()] == ["A.md"]


# -- the quick scan agrees with reading line by line -----------------------------------------

_FENCE = re.compile(r"^[ \t]*(?:>[ \t]*)*(`{3,}|~{3,})")


def _blocks_line_by_line(text: str) -> list[tuple[str, int, int, str | None, str]] | int:
    """What find_blocks finds, read one line at a time (as it once did): the blocks as
    (view, begin, end, hash, content), or the line of the first problem."""
    found: list[tuple[str, int, int, str | None, str]] = []
    if "vault-tools:" not in text:
        return found
    lines = _lines(text)
    open_block: tuple[int, str, str | None] | None = None
    fence: str | None = None
    for index, line in enumerate(lines):
        fence_match = _FENCE.match(line)
        if fence is not None:
            closes = fence_match and fence_match.group(1)[0] == fence[0]
            if closes and len(fence_match.group(1)) >= len(fence):
                fence = None
            continue
        if fence_match and open_block is None:
            fence = fence_match.group(1)
            continue
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            parsed = _parse_begin(begin.group("rest") or "")
            if open_block is not None or isinstance(parsed, BlockProblem):
                return index
            open_block = (index, parsed[0], parsed[2])
        elif end:
            if open_block is None or end.group("view") not in (None, open_block[1]):
                return index
            start, view, recorded = open_block
            found.append((view, start, index, recorded, "\n".join(lines[start + 1 : index])))
            open_block = None
    return open_block[0] if open_block is not None else found


LINES = st.sampled_from(
    [
        "text",
        "| a row | [[Ann Lee]] |",
        "<!-- vault-tools:begin contacts -->",
        "<!-- vault-tools:begin fields hash=0123abcd -->",
        "  <!--vault-tools:begin interviews limit=2-->  ",
        "<!-- vault-tools:begin -->",
        "<!-- vault-tools:end contacts -->",
        "<!-- vault-tools:end fields -->",
        "<!--   vault-tools:end   -->",
        "x <!-- vault-tools:end contacts -->",
        "```",
        "````markdown",
        "> ```",
        "~~~",
        "~~~~~",
        "a ``` b",
        "`code` and ~strike~",
        "",
    ]
)


@settings(max_examples=300, deadline=None, database=None)
@given(
    lines=st.lists(st.tuples(LINES, st.sampled_from(["\n", "\r\n"])), max_size=14),
    last=st.sampled_from(["", "tail", "<!-- vault-tools:end contacts -->"]),
)
def test_find_blocks_reads_as_line_by_line(lines: list[tuple[str, str]], last: str) -> None:
    text = "".join(line + ending for line, ending in lines) + last
    parsed = find_blocks(text)
    expected = _blocks_line_by_line(text)
    if isinstance(expected, int):
        assert [problem.line for problem in parsed.problems] == [expected + 1]
        return
    assert parsed.problems == []
    got = [(b.view, b.begin, b.end, b.recorded_hash, b.content) for b in parsed.blocks]
    assert got == expected
    all_lines = text.split("\n")
    starts = [sum(len(line) + 1 for line in all_lines[:index]) for index in range(len(all_lines))]
    assert [b.span for b in parsed.blocks] == [
        (starts[b.begin], starts[b.end]) for b in parsed.blocks
    ]
    # Rewriting with the spans found is rewriting with the spans looked for.
    generated = {b.begin: f"\nrow {b.begin}\n" for b in parsed.blocks}
    spans = {b.begin: b.span for b in parsed.blocks}
    assert replace_blocks(text, generated, spans) == replace_blocks(text, generated)
