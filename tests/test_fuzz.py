"""Fuzzing: hypothesis properties of the parser, the link resolver, the block writer and
the frontmatter editor.

The other test modules hold the quick properties (``parse_note`` never raises, one block
is replaced byte for byte, ``set status=`` keeps the other lines); these go further, and
their budget is one number: ``VAULT_TOOLS_FUZZ_EXAMPLES`` examples per test (200 unless
set, a few seconds in all). A longer run is the same tests with a larger number::

    VAULT_TOOLS_FUZZ_EXAMPLES=20000 .venv/bin/python -m pytest tests/test_fuzz.py

A failure prints the smallest example hypothesis found, and hypothesis keeps it in
``.hypothesis/`` (ignored by git) to try first on the next run; once the bug is fixed, the
example stays here as an ``@example`` of the test that found it.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import posixpath
import tempfile
import unicodedata
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

from vault_tools.blocks import BEGIN, BOM, END, Block, NoteSnapshot, ParsedBlocks, find_blocks
from vault_tools.edit import EditError, apply_assignments, assignment_for, parse_assignment
from vault_tools.index import block_content, plan_index, write_plan
from vault_tools.links import LinkResolver, Resolution, normalize
from vault_tools.parse import parse_note
from vault_tools.render.views import ViewError, validate_view
from vault_tools.vault import Vault


def _budget() -> int:
    raw = os.environ.get("VAULT_TOOLS_FUZZ_EXAMPLES", "200")
    try:
        examples = int(raw)
    except ValueError:
        raise ValueError(f"VAULT_TOOLS_FUZZ_EXAMPLES={raw!r} must be a whole number") from None
    if examples < 1:
        raise ValueError(f"VAULT_TOOLS_FUZZ_EXAMPLES={raw!r} must be at least 1")
    return examples


FUZZ = settings(
    max_examples=_budget(),
    deadline=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

TODAY = dt.date(2026, 12, 1)
NEWLINES = st.sampled_from(["\n", "\r\n", "\r"])

# -- the parser ----------------------------------------------------------------------------

# Lines that exercise each part of the parser: frontmatter fences and YAML, links of every
# kind, code fences, inline code, comments, headings, block ids, tags, and the characters
# that other tools take for line breaks.
MARKDOWN_LINES = [
    "---",
    "...",
    "title: x",
    "ref: [[Ann Lee]]",
    'ref: "[[Ann Lee|Ann]]"',
    "refs:",
    '  - "[[B#Notes]]"',
    "  - [[C]]",
    "- [[D^id]]",
    "list: [a, b, '[[E]]']",
    "note: |",
    "  [[F]] in a block scalar",
    "  ```",
    "&a x: *a",
    "key: !!python/object x",
    "key: !!timestamp abc",
    "bad: [",
    "\tkey: tab",
    "[[G]] and ![[img.png]] and [[H#Heading|shown]]",
    "[[#Same note]] [[^block]] [[a\\|b]]",
    "[text](Some%20Note.md) ![pic](<a b.png>) [t](x.md#^id 'title')",
    "[x](https://example.com) [y](//host/z) [z](mailto:a@b)",
    "`[[in code]]` and ``[[double `tick]]`` text",
    "```",
    "~~~~",
    "> ```",
    "<!-- [[in a comment]] -->",
    "<!--",
    "-->",
    "# Heading [[I]]",
    "Setext",
    "===",
    "text ^block-id",
    "#tag #123 (#paren) [a](#frag)",
    "\ufeff",
    "\u2028",
    "\u2029",
    "\x85",
    "\x0c",
    "é 漢字 🙂 e\u0301",
]
# Pieces of lines, for what only shows when syntaxes meet on one line (a comment or inline
# code inside a link, a link inside a comment).
INLINE_PIECES = st.lists(
    st.sampled_from(
        ["[[", "]]", "![[", "[", "](", ")", "<", ">", "<!--", "-->", "`", "``", "|", "#", "^"]
        + ["a", "b.md", " ", "\t", "%20", "é", '"', "'", "\\", ":"]
    ),
    max_size=16,
).map("".join)
TEXT_PIECES = st.one_of(
    st.sampled_from(MARKDOWN_LINES),
    st.text(max_size=12),
    INLINE_PIECES,
    INLINE_PIECES.map(lambda text: f"key: {text}"),
)
MARKDOWN = st.builds(
    lambda lines, newline, bom: ("\ufeff" if bom else "") + newline.join(lines),
    st.lists(TEXT_PIECES, max_size=20),
    NEWLINES,
    st.booleans(),
)


def file_lines(data: bytes) -> list[str]:
    """The file's lines as an editor shows them: decoded with replacement characters,
    any of CRLF, CR and LF ending a line."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace").lstrip("\ufeff")
    else:
        text = data.removeprefix(BOM).decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def check_placed(data: bytes) -> None:
    """Parse ``data``: every diagnostic and link is at a line and column of the file, and
    every link's position is where its text starts."""
    result = parse_note("fuzz.md", data)
    lines = file_lines(data)
    for found in result.diagnostics:
        assert 1 <= found.line <= len(lines), found
        assert 1 <= found.column <= len(lines[found.line - 1]) + 1, found
    note = result.note
    for link in note.links:
        assert 1 <= link.line <= len(lines), link
        line = lines[link.line - 1]
        assert 1 <= link.column <= len(line) + 1, link
        written = line[link.column - 1 :]
        if link.in_frontmatter:
            assert 2 <= link.line < note.body_line, link
            source = "\n".join(lines[1 : note.body_line - 2])
            if link.raw in source:
                assert written.startswith(link.raw), (link, line)
        else:
            assert link.line >= note.body_line, link
            assert written.startswith(link.raw), (link, line)


@FUZZ
@given(st.binary())
def test_parser_places_everything_it_reports_in_any_bytes(data: bytes) -> None:
    check_placed(data)


@FUZZ
@given(MARKDOWN.map(lambda text: text.encode("utf-8")))
@example(b"---\na:\xe2\x80\xa8\xe2\x80\xa8  [[X]]\n---\n")  # U+2028 before a bare wikilink
@example(b"---\na: 1\xe2\x80\xa8\xe2\x80\xa8b: [\n---\n")  # YAML counts U+2028 as a line
@example(b"[[a <!-- x --> b]]")  # the link's raw text had the comment blanked out
def test_parser_places_everything_it_reports_in_markdown(data: bytes) -> None:
    check_placed(data)


@FUZZ
@given(MARKDOWN, st.sampled_from(["utf-16-le", "utf-16-be"]))
def test_parser_places_everything_it_reports_in_utf16(text: str, encoding: str) -> None:
    bom = "\ufeff".encode(encoding)
    check_placed(bom + text.lstrip("\ufeff").encode(encoding, errors="surrogatepass"))


@FUZZ
@given(MARKDOWN, st.integers(min_value=0), NEWLINES)
@example("a\rb", 3, "\r")  # a NUL was placed by LF alone, on line 1 of a CR-only note
def test_nul_and_invalid_utf8_are_reported_on_their_line(text: str, at: int, newline: str) -> None:
    text = text.lstrip("\ufeff").replace("\x00", "")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", newline)
    data = text.encode("utf-8")
    at = at % (len(data) + 1)
    lines_before = data[:at].replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n")
    assume(not data[:at].endswith(b"\r"))  # a byte between CR and LF would split a CRLF
    for bad in (b"\x00", b"\xff"):
        result = parse_note("fuzz.md", data[:at] + bad + data[at:])
        [found] = [d for d in result.diagnostics if d.rule == "invalid-encoding"]
        assert found.line == lines_before + 1, (bad, found)


# -- the link resolver ---------------------------------------------------------------------

NAME_CHARACTERS = "aAbBzZéÉßẞİıIiǅ e\u0301 .-_#|^[]'~"
SEGMENTS = st.text(NAME_CHARACTERS, min_size=1, max_size=6).filter(lambda s: s not in (".", ".."))
VAULT_PATHS = st.lists(
    st.builds(
        lambda folders, name, extension: "/".join([*folders, name]) + extension,
        st.lists(st.sampled_from(["a", "A", "b", "a/b", "Ü", "U\u0308"]), max_size=2),
        SEGMENTS,
        st.sampled_from([".md", ".md", ".MD", ".png", "", ".md.md"]),
    ),
    min_size=1,
    max_size=8,
    unique=True,
)


def case_variant(text: str, flips: list[bool]) -> str:
    """``text`` with some characters in the other case, as long as Obsidian's comparison
    (NFC, casefold) still finds them equal."""
    out = []
    for char, flip in zip(text, flips + [False] * len(text), strict=False):
        other = char.lower() if char.isupper() else char.upper()
        out.append(other if flip and normalize(other) == normalize(char) else char)
    variant = "".join(out)
    return variant if normalize(variant) == normalize(text) else text


def note_target(path: str) -> str:
    """How a link names the file at ``path``: notes without their ``.md``."""
    return path[:-3] if path.lower().endswith(".md") else path


ABSOLUTE_PREFIXES = ["", "", "/", "//", "a/../", "\\"]
RELATIVE_PREFIXES = ["./", "../", "../../", "../../../", "./../", "../a/../", "..\\", " ../"]


@st.composite
def targets(draw: st.DrawFn, paths: list[str], relative: bool = False) -> str:
    """Link targets: the vault's own names mangled in the ways people and attackers
    write them, and arbitrary text; ``relative`` ones start with ``./`` or ``../``."""
    path = draw(st.sampled_from(paths))
    base = draw(st.sampled_from([path, note_target(path), path.rsplit("/", 1)[-1]]))
    base = case_variant(base, draw(st.lists(st.booleans(), max_size=len(base))))
    prefixes = RELATIVE_PREFIXES if relative else ABSOLUTE_PREFIXES + RELATIVE_PREFIXES
    prefix = draw(st.sampled_from(prefixes))
    suffix = draw(st.sampled_from(["", "", "#Heading", "|alias", "#^block", "^x", " ", "/"]))
    mangled = prefix + base + suffix
    if draw(st.booleans()):
        mangled = unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), mangled)
    anything = st.text(NAME_CHARACTERS + "/\\:%\x00", max_size=12)
    return draw(st.one_of(st.just(mangled), anything.map(lambda text: prefix + text)))


@st.composite
def vaults_and_links(draw: st.DrawFn, relative: bool = False) -> tuple[list[str], str, str, bool]:
    paths = draw(VAULT_PATHS)
    notes = [p for p in paths if p.lower().endswith(".md")]
    source = draw(st.sampled_from([*notes, "Src.md", "a/b/Src.md"]))
    return paths, draw(targets(paths, relative)), source, draw(st.booleans())


def same_key_twins(paths: list[str]) -> bool:
    """True when two files have names that differ only in case or normalization."""
    names = [normalize(note_target(p.rsplit("/", 1)[-1])) for p in paths]
    return len(set(names)) != len(names)


@FUZZ
@given(vaults_and_links())
def test_a_link_resolves_to_a_file_of_the_vault_or_to_nothing(
    case: tuple[list[str], str, str, bool],
) -> None:
    paths, target, source, markdown = case
    resolution = LinkResolver(paths).resolve(target, source, markdown=markdown)
    if resolution.path is not None:
        assert resolution.path in paths or (not target and resolution.path == source)
        assert resolution.candidates == ()
    else:
        assert set(resolution.candidates) <= set(paths)
        assert list(resolution.candidates) == sorted(set(resolution.candidates))
        assert len(resolution.candidates) != 1


@FUZZ
@given(vaults_and_links(), st.randoms(use_true_random=False))
def test_resolution_does_not_depend_on_the_order_of_paths_or_of_questions(
    case: tuple[list[str], str, str, bool], random: Any
) -> None:
    paths, target, source, markdown = case
    others = [target, target.upper(), "", *paths]
    shuffled = list(paths)
    random.shuffle(shuffled)
    forward = LinkResolver(paths)
    backward = LinkResolver(shuffled)
    asked_first = [forward.resolve(t, source, markdown=markdown) for t in others]
    asked_last = [backward.resolve(t, source, markdown=markdown) for t in reversed(others)]
    assert asked_first == list(reversed(asked_last))


@FUZZ
@given(vaults_and_links(relative=True))
def test_relative_links_never_leave_the_vault(case: tuple[list[str], str, str, bool]) -> None:
    """``../x`` means the file at that path from the note's folder, or nothing: it is
    never looked up by name elsewhere, and never climbs above the vault's root."""
    paths, target, source, markdown = case
    resolution = LinkResolver(paths).resolve(target, source, markdown=markdown)
    folder = source.rpartition("/")[0]
    joined = posixpath.normpath(posixpath.join(folder, target.strip().replace("\\", "/")))
    if joined == ".." or joined.startswith("../"):
        assert resolution == Resolution()
    for found in [resolution.path, *resolution.candidates]:
        if found is not None:
            assert normalize(note_target(found)) == normalize(note_target(joined))


@FUZZ
@given(VAULT_PATHS, st.data())
@example(["a/x.md", "a/X.md"], None)  # a relative link to case twins was called broken
def test_every_file_is_reached_by_its_path_in_any_case(paths: list[str], data: Any) -> None:
    """A link that spells a file's vault path (any case, any Unicode normalization, with
    or without ``.md``, or relative to the linking note) is never broken, and leads to
    that file unless another has the same name."""
    if data is None:  # the @example: link "./x" from a/Src.md
        path, target, source = "a/x.md", "./x", "a/Src.md"
    else:
        path = data.draw(st.sampled_from(paths))
        # (``x.md.md`` is linked as ``[[x.md.md]]``: ``[[x.md]]`` names ``x.md``)
        short = note_target(path)
        spelled = data.draw(st.sampled_from([path, short]))
        assume(spelled == path or not short.lower().endswith(".md"))
        spelled = case_variant(spelled, data.draw(st.lists(st.booleans(), max_size=50)))
        spelled = unicodedata.normalize(data.draw(st.sampled_from(["NFC", "NFD"])), spelled)
        source = data.draw(st.sampled_from([*paths, "Src.md", "a/b/Src.md"]))
        folder = source.rpartition("/")[0]
        if folder and data.draw(st.booleans()):  # relative: up to the root, then down
            spelled = "../" * (folder.count("/") + 1) + spelled
        target = spelled
        assume(target == target.strip() and "\\" not in target and not target.startswith("/"))
        assume(not target.startswith("./"))
    resolution = LinkResolver(paths).resolve(target, source)
    assert not resolution.broken, (target, paths)
    twins = [p for p in paths if normalize(note_target(p)) == normalize(note_target(path))]
    if len(twins) == 1:
        assert resolution.path == path


@FUZZ
@given(vaults_and_links(), st.lists(st.booleans(), max_size=30))
def test_case_and_normalization_only_break_ties(
    case: tuple[list[str], str, str, bool], flips: list[bool]
) -> None:
    """Obsidian compares names without case or Unicode normalization: spelling a link
    differently changes nothing, unless two files' names differ only in that way."""
    paths, target, source, markdown = case
    variant = unicodedata.normalize("NFD", case_variant(target, flips))
    resolver = LinkResolver(paths)
    first = resolver.resolve(target, source, markdown=markdown)
    second = resolver.resolve(variant, source, markdown=markdown)
    assert first.broken == second.broken
    if not same_key_twins(paths):
        assert first == second


# -- the marker-block writer ---------------------------------------------------------------

VIEWS = ["contacts", "interviews", "follow-ups", "organizations", "fields", "referrals"]
NOTE_PIECES = st.one_of(
    st.text(max_size=16),
    st.sampled_from(
        [
            "# Home",
            "x <!-- vault-tools:begin contacts -->",
            "`<!-- vault-tools:end contacts -->`",
            "<!-- vault-tools:begin contacts --> trailing",
            "hash=0123abcd",
            "<!--",
            "-->",
            "|",
            "é 漢字 🙂",
            "\u2028",
            "\ufeff",
            "\t",
            "",
        ]
    ),
)


def rendered_content() -> st.SearchStrategy[str]:
    """What a view might render: any text, including marker and fence lines."""
    return st.lists(
        st.one_of(
            st.text(max_size=16),
            st.sampled_from(
                [
                    "| a | b |",
                    "```",
                    "<!-- vault-tools:end contacts -->",
                    "<!-- vault-tools:begin fields -->",
                    "\r",
                    "",
                ]
            ),
        ),
        max_size=6,
    ).map("\n".join)


def no_marker_or_fence_lines(text: str) -> bool:
    for line in text.replace("\r\n", "\n").split("\n"):
        line = line.rstrip("\r")
        if BEGIN.match(line) or END.match(line) or line.lstrip(" \t>").startswith(("```", "~~~")):
            return False
    return True


FREE_TEXT = st.lists(NOTE_PIECES, max_size=6).map("\n".join).filter(no_marker_or_fence_lines)


def index_vault(root: Path, rendered: dict[str, str]) -> None:
    """``vault-tools index`` on ``root``, with each view rendering ``rendered[view]``."""

    def render(_context: object, view: str, _arguments: dict[str, str]) -> str:
        return rendered[view]

    with mock.patch("vault_tools.index.render_view", render):
        write_plan(plan_index(Vault.load(root), today=TODAY))


def up_to_date(root: Path, rendered: dict[str, str]) -> bool:
    def render(_context: object, view: str, _arguments: dict[str, str]) -> str:
        return rendered[view]

    with mock.patch("vault_tools.index.render_view", render):
        return not plan_index(Vault.load(root), today=TODAY).updates


@FUZZ
@given(
    frontmatter=st.sampled_from(["", "---\ntype: home\n---\n", "---\nnote: |\n  text\n---\n"]),
    pieces=st.lists(
        st.tuples(FREE_TEXT, st.sampled_from(VIEWS), FREE_TEXT), min_size=1, max_size=3
    ),
    tail=FREE_TEXT,
    rendered=st.fixed_dictionaries({view: rendered_content() for view in VIEWS}),
    newline=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
)
@example(  # a view's NUL made the note a binary file; its marker line ended the block early
    frontmatter="",
    pieces=[("", "contacts", ""), ("", "fields", "")],
    tail="",
    rendered={
        **dict.fromkeys(VIEWS, ""),
        "contacts": "\x00",
        "fields": "<!-- vault-tools:end x -->",
    },
    newline="\n",
    bom=False,
)
@example(  # a view's lone CR turned an LF note's block to CRLF on the next run
    frontmatter="",
    pieces=[("", "contacts", "")],
    tail="",
    rendered={**dict.fromkeys(VIEWS, ""), "contacts": "a\rb"},
    newline="\n",
    bom=False,
)
def test_index_changes_only_the_lines_between_the_markers_and_twice_nothing(
    frontmatter: str,
    pieces: list[tuple[str, str, str]],
    tail: str,
    rendered: dict[str, str],
    newline: str,
    bom: bool,
) -> None:
    """Around the blocks, any text; inside, any old content; from the views, any new
    content: only the lines between the markers (and the hash) change, the line ending
    and byte-order mark stay, and a second run writes nothing."""
    outside = []  # what must stay: the text before each block, and after the last
    old = []
    for before, view, content in pieces:
        outside.append(frontmatter + before if not outside else before)
        old.append((view, content))
    text = ""
    for kept, (view, content) in zip(outside, old, strict=True):
        text += f"{kept}\n<!-- vault-tools:begin {view} -->\n{content}\n"
        text += f"<!-- vault-tools:end {view} -->\n"
    text += tail
    text = text.replace("\r", "").replace("\n", newline)  # (lone CRs: see the report)
    data = (BOM if bom else b"") + text.encode("utf-8")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        home = root / "Home.md"
        home.write_bytes(data)
        index_vault(root, rendered)
        assert_rewritten_in_place(root, data, newline, rendered)


def assert_rewritten_in_place(
    root: Path, data: bytes, newline: str, rendered: dict[str, str]
) -> None:
    """Home.md, once indexed from ``data``: the byte-order mark and line ending kept,
    only the lines between markers changed, and a second run writes nothing."""
    home = root / "Home.md"
    new_data = home.read_bytes()
    assert new_data.startswith(BOM) == data.startswith(BOM)
    new_text = new_data.removeprefix(BOM).decode("utf-8")
    if newline == "\r\n":
        assert new_text.count("\n") == new_text.count("\r\n")
    assert_only_blocks_changed(data.removeprefix(BOM).decode("utf-8"), new_text)
    index_vault(root, rendered)
    assert home.read_bytes() == new_data
    assert up_to_date(root, rendered)


def valid_view(vault: Vault, block: Block) -> bool:
    try:
        validate_view(vault, block.view, block.arguments)
    except ViewError:
        return False
    return True


def blocks_as_lint_sees_them(text: str) -> ParsedBlocks:
    """The blocks of the note's body, on the lines of its file, as `lint` reports them."""
    note = parse_note("Home.md", text.encode("utf-8")).note
    return find_blocks(note.body, first_line=note.body_line)


def assert_only_blocks_changed(old: str, new: str) -> None:
    """Every line of ``new`` outside its blocks' markers is the line of ``old`` there."""
    before, after = blocks_as_lint_sees_them(old), blocks_as_lint_sees_them(new)
    assert after.problems == before.problems
    assert [(b.view, b.arguments) for b in after.blocks] == [
        (b.view, b.arguments) for b in before.blocks
    ]
    old_lines, new_lines = old.split("\n"), new.split("\n")
    old_at = new_at = 0
    for old_block, new_block in zip(before.blocks, after.blocks, strict=True):
        old_begin, new_begin = before.file_line(old_block) - 1, after.file_line(new_block) - 1
        assert new_lines[new_at:new_begin] == old_lines[old_at:old_begin]
        old_at = old_begin + old_block.end - old_block.begin
        new_at = new_begin + new_block.end - new_block.begin
    assert new_lines[new_at:] == old_lines[old_at:]


BLOCK_LINES = [
    "```",
    "~~~",
    "> ```",
    "<!-- vault-tools:begin contacts -->",
    "<!-- vault-tools:end contacts -->",
    "<!-- vault-tools:begin fields limit=2 -->",
    "<!-- vault-tools:end -->",
    "<!-- vault-tools:begin no-such-view -->",
    "<!-- vault-tools:begin contacts bad -->",
    "<!-- vault-tools:begin contacts hash=00000000 -->",
    "<!-- vault-tools:end fields -->",
]
BLOCK = st.builds(
    lambda view, arguments, content: (
        f"<!-- vault-tools:begin {view}{arguments} -->\n{content}\n<!-- vault-tools:end {view} -->"
    ),
    st.sampled_from(VIEWS + ["no-such-view"]),
    st.sampled_from(["", " limit=2", " hash=00000000", ' organization="A B"']),
    st.lists(NOTE_PIECES, max_size=3).map("\n".join),
)
MARKERS_IN_YAML = (
    "---\nnote: |\n"
    "  <!-- vault-tools:begin contacts -->\n"
    "  <!-- vault-tools:end contacts -->\n"
    "---\n"
)
FRONTMATTERS = st.sampled_from(
    [
        "",
        "---\ntype: home\n---\n",
        "---\nnote: |\n  ```\n---\n",
        MARKERS_IN_YAML,
        "---\nunclosed: x\n",
    ]
)


@FUZZ
@given(
    frontmatter=FRONTMATTERS,
    parts=st.lists(st.one_of(BLOCK, st.sampled_from(BLOCK_LINES), NOTE_PIECES), max_size=10),
    rendered=st.fixed_dictionaries({view: rendered_content() for view in VIEWS}),
    newline=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
)
@example(  # markers in the frontmatter's YAML were taken for a block and rewritten
    frontmatter=MARKERS_IN_YAML,
    parts=["<!-- vault-tools:begin contacts -->\n\n<!-- vault-tools:end contacts -->"],
    rendered=dict.fromkeys(VIEWS, "x"),
    newline="\n",
    bom=False,
)
@example(  # a fence in the frontmatter's YAML hid every block of the body from `index`
    frontmatter="---\nnote: |\n  ```\n---\n",
    parts=["<!-- vault-tools:begin contacts -->\n\n<!-- vault-tools:end contacts -->"],
    rendered=dict.fromkeys(VIEWS, "x"),
    newline="\n",
    bom=False,
)
def test_index_and_lint_agree_on_the_blocks_of_any_note(
    frontmatter: str, parts: list[str], rendered: dict[str, str], newline: str, bom: bool
) -> None:
    """Any note: stray and nested markers, fences, frontmatter holding marker or fence
    lines, unknown views, hand-edited blocks. `index` rewrites exactly the blocks `lint`
    sees (none while lint reports a malformed one), keeps every other line, and a second
    run writes nothing."""
    text = (frontmatter + "\n".join(parts)).replace("\r", "").replace("\n", newline)
    data = (BOM if bom else b"") + text.encode("utf-8")
    before = blocks_as_lint_sees_them(text)
    count = len(before.blocks)
    event("malformed blocks" if before.problems else f"{count if count < 3 else '3+'} blocks")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        home = root / "Home.md"
        home.write_bytes(data)
        vault = Vault.load(root)
        index_vault(root, rendered)
        new_data = home.read_bytes()
        if before.problems:
            assert new_data == data
        new_text = new_data.removeprefix(BOM).decode("utf-8")
        after = blocks_as_lint_sees_them(new_text)
        for old_block, new_block in zip(before.blocks, after.blocks, strict=False):
            if before.problems:
                assert new_block == old_block
            elif not old_block.edited_by_hand and valid_view(vault, old_block):
                assert new_block.content == "\n" + block_content(rendered[old_block.view]) + "\n"
            else:
                assert new_block.content == old_block.content
        assert_rewritten_in_place(root, data, newline, rendered)


# -- the frontmatter editor ----------------------------------------------------------------

KEYS = ["status", "role", "tags", "email", "x-y", "a b", "note", "'quoted'", "ünï"]
VALUES = [
    "plain",
    "'quoted: x'",
    '"dq \\" x"',
    "[a, b]",
    "{a: 1}",
    "",
    "12",
    "2026-01-02",
    "value  # comment",
    "'[[Ann Lee]]'",
    "|",
    ">-",
    "é 漢字",
]
FRONTMATTER_LINES = st.one_of(
    st.builds(lambda k, v: f"{k}: {v}", st.sampled_from(KEYS), st.sampled_from(VALUES)),
    st.sampled_from(
        [
            "# a comment",
            "",
            "list:",
            "  - item",
            "  - '[[Other]]'",
            "- top",
            "  text line",
            "  key: nested",
            "  # indented comment",
            "\tx",
            "continued",
        ]
    ),
)
FIELD_KEYS = st.one_of(
    st.sampled_from(KEYS),
    st.from_regex(r"[A-Za-zé_][\w .:#'-]{0,7}", fullmatch=True),
    st.text(min_size=1, max_size=8),
)
FIELD_VALUES = st.one_of(
    st.sampled_from(VALUES + ["today", "today-3", "[[Ann Lee]]", "true", "no", "~", ".nan"]),
    st.text(max_size=16),
)
PYTHON_VALUES = st.one_of(
    st.text(max_size=16),
    st.dates(),
    st.integers(),
    st.floats(),
    st.lists(st.text(max_size=6), max_size=3),
)


def same_value(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


@FUZZ
@given(
    frontmatter=st.one_of(st.none(), st.lists(FRONTMATTER_LINES, max_size=10)),
    setting=st.one_of(
        st.builds(lambda k, v: ("text", k, v), FIELD_KEYS, FIELD_VALUES),
        st.builds(lambda k, v: ("python", k, v), FIELD_KEYS, PYTHON_VALUES),
    ),
    body=st.text(max_size=40),
    newline=NEWLINES,
    bom=st.booleans(),
)
# a control character was written unescaped, which YAML refuses
@example(frontmatter=None, setting=("text", "status", "\x7f"), body="", newline="\n", bom=False)
# 1e+16 was written as is, which YAML 1.1 reads as text
@example(frontmatter=[], setting=("python", "x", 1e16), body="", newline="\n", bom=False)
# a note with CR line endings had its frontmatter pushed into the body
@example(frontmatter=["a: 1"], setting=("text", "b", "2"), body="x\r", newline="\r", bom=True)
# a key holding a control character was written as it is, which YAML refuses
@example(frontmatter=None, setting=("python", ":=\x08", ""), body="", newline="\n", bom=False)
# a body opening with a horizontal rule was taken for a frontmatter never closed
@example(frontmatter=None, setting=("text", "status", "plain"), body="---", newline="\n", bom=False)
def test_setting_a_field_changes_only_that_field(
    frontmatter: list[str] | None,
    setting: tuple[str, str, Any],
    body: str,
    newline: str,
    bom: bool,
) -> None:
    kind, key, value = setting
    assume(_writable_key(key))
    head = "" if frontmatter is None else newline.join(["---", *frontmatter, "---"]) + newline
    data = (BOM if bom else b"") + (head + body).encode("utf-8")
    before = parse_note("n.md", data)
    assume(not before.diagnostics and before.note.has_frontmatter == (frontmatter is not None))
    try:
        assignment = (
            parse_assignment(f"{key}={value}", TODAY)
            if kind == "text"
            else assignment_for(key.strip(), value)
        )
    except EditError:
        return  # a value that cannot be written is refused, and nothing changes
    snapshot = NoteSnapshot(Path("n.md"), data, 0, len(data))
    new_data = snapshot.encode(apply_assignments(snapshot.text, [assignment]))
    after = parse_note("n.md", new_data)
    if after.diagnostics:
        # `set` parses what it would write and refuses it, writing nothing. That is for
        # layouts it cannot extend (a frontmatter indented as a whole), not everyday notes:
        assert any(line.startswith((" ", "\t")) for line in frontmatter or []), after
        event("refused: the new frontmatter would not parse")
        return
    old_fields = dict(before.note.frontmatter)
    new_fields = dict(after.note.frontmatter)
    assert same_value(new_fields.pop(assignment.key), assignment.value)
    old_fields.pop(assignment.key, None)
    assert new_fields == old_fields
    assert after.note.body == before.note.body
    assert new_data.startswith(BOM) == data.startswith(BOM)
    body_bytes = data.removeprefix(BOM)[len(head.encode("utf-8")) :]
    assert new_data.endswith(body_bytes)


def _writable_key(key: str) -> bool:
    try:
        parse_assignment(f"{key}=x", TODAY)
    except EditError:
        return False
    return True


def test_budget_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAULT_TOOLS_FUZZ_EXAMPLES", "7")
    assert _budget() == 7
    monkeypatch.setenv("VAULT_TOOLS_FUZZ_EXAMPLES", "many")
    with pytest.raises(ValueError, match="VAULT_TOOLS_FUZZ_EXAMPLES"):
        _budget()
