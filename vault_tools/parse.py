"""Turn a note's bytes into a Note and the diagnostics found while reading it.

``parse_note`` never raises for any content: every problem becomes a diagnostic
with the line it is on, and whatever can still be read is kept.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote

import yaml

from vault_tools.model import Diagnostic, Link, Note, Position
from vault_tools.rules.registry import diagnostic

# Frontmatter that expands (through YAML aliases) to more values than this, or nests
# deeper, is refused: it is either an attack (billion laughs) or not frontmatter.
MAX_YAML_VALUES = 100_000
MAX_YAML_DEPTH = 100

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _FrontmatterLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe loading only; unknown tags were reported and rewritten before construction."""

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        """A date-shaped value that is no date (2026-13-45) stays text for the schema to flag.

        The same dates recur across notes, and a date is immutable: each text is read
        once (PyYAML's reading, by regex, is a tenth of what parsing a note costs)."""
        found = _TIMESTAMPS.get(node.value)
        if found is None:
            try:
                found = super().construct_yaml_timestamp(node)
            except ValueError:
                found = self.construct_scalar(node)
            _remember(_TIMESTAMPS, node.value, found)
        return found

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> Any:
        """The tag of a node, as PyYAML resolves it; for a plain scalar, what its text
        resolved to before (no path resolvers are registered, so the text decides)."""
        if kind is yaml.ScalarNode and implicit[0]:
            tag = _PLAIN_TAGS.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                _remember(_PLAIN_TAGS, value, tag)
            return tag
        return super().resolve(kind, value, implicit)


_TIMESTAMPS: dict[str, Any] = {}
_PLAIN_TAGS: dict[str, str] = {}
_REMEMBERED_TEXT = 64
"""The longest text whose reading is remembered: statuses, dates, names recur; a long
text rarely does, and would stay in memory after its note is gone."""


def _remember(table: dict[str, Any], text: str, found: Any) -> None:
    if len(text) > _REMEMBERED_TEXT:
        return
    if len(table) >= _SHARED_LIMIT:
        table.clear()  # bounded, and what a long watch no longer meets is let go
    table[text] = found


_FrontmatterLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _FrontmatterLoader.construct_yaml_timestamp
)


_SAFE_TAGS = frozenset(_FrontmatterLoader.yaml_constructors) - {None} | {
    "tag:yaml.org,2002:merge"  # `<<: *base`, resolved while constructing the mapping
}
_DEFAULT_TAG = {
    yaml.ScalarNode: "tag:yaml.org,2002:str",
    yaml.SequenceNode: "tag:yaml.org,2002:seq",
    yaml.MappingNode: "tag:yaml.org,2002:map",
}

WIKILINK = re.compile(r"(!?)\[\[([^\[\]\n]*)\]\]")
MARKDOWN_LINK = re.compile(
    r"(!?)\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]"
    r"\([ \t]*+(<[^<>\n]*>|[^\s()]*+(?:\([^\s()]*\)[^\s()]*+)*+)"
    r"(?:[ \t]++(?:\"[^\"\n]*\"|'[^'\n]*'))?[ \t]*+\)"
)
# The two link patterns without their optional leading `!`: a pattern that starts with a
# literal `[` lets the regex engine skip straight to each bracket, several times faster
# than trying every character. A `!` just before the match makes the link an embed.
_WIKILINK_FROM_BRACKET = re.compile(WIKILINK.pattern.removeprefix("(!?)"))
_MARKDOWN_LINK_FROM_BRACKET = re.compile(MARKDOWN_LINK.pattern.removeprefix("(!?)"))
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_FENCE = re.compile(r"^[ \t]*(?:>[ \t]*)*(`{3,}|~{3,})")
_BACKTICKS = re.compile(r"`+")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# Matched in "\n" + text: the literal "\n" lets the engine skip from line to line, and
# each match starts at the offset in text of the heading's line.
_HEADING_AFTER_NEWLINE = re.compile(r"\n[ \t]{0,3}#{1,6}(?:[ \t]+([^\n]*))?$", re.MULTILINE)
_SETEXT_UNDERLINE = re.compile(r"\n[ \t]{0,3}(?:=+|-+)[ \t]*(?:\n|$)")
_SETEXT_HEADING = re.compile(
    r"^[ \t]{0,3}([^\s#>|\-*+][^\n]*)\n[ \t]{0,3}(?:=+|-+)[ \t]*$", re.MULTILINE
)
_BLOCK_ID = re.compile(r"(?:^|[ \t])\^([A-Za-z0-9-]+)[ \t]*$", re.MULTILINE)
_INLINE_TAG = re.compile(r"#([^\s#!\"$%&'()*+,.:;<=>?@\[\\\]^`{|}~]+)")
_YAML_KEY_LINE = re.compile(r"^[\w\"'-][^:\n]*:(\s|$)")
_SYNTHETIC_PLACEHOLDER = "{{"


@dataclass
class ParseResult:
    note: Note
    diagnostics: list[Diagnostic]


NoteTyping = Callable[[str, dict[str, Any], tuple[str, ...]], tuple[str | None, bool]]
"""A note's type from its id, frontmatter and tags, and whether the config gave it
(``Vault.type_of``)."""


def parse_note(
    path: str, data: bytes, *, template: bool = False, types: NoteTyping | None = None
) -> ParseResult:
    """Parse the note at vault-relative POSIX ``path`` from its raw bytes.

    ``template`` marks notes of the templates folder: their YAML holds Obsidian
    placeholders, so it is not read; their links still are. ``types``, when given, types
    the note (not a template) as ``Vault.typed`` does, without building it twice.
    """
    diagnostics: list[Diagnostic] = []
    text = _decode(path, data, diagnostics)
    if "\r" in text:
        if "vault-tools:" in text:
            diagnostics += _lone_cr_problem(path, text)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    note_id = path[:-3] if path.lower().endswith(".md") else path

    lines = text.split("\n")
    closing = _frontmatter_end(lines)
    frontmatter: dict[str, Any] = {}
    positions: dict[tuple[str | int, ...], Position] = {}
    scalar_spans = _ScalarSpans()
    frontmatter_valid = True
    if closing is None:
        body_line = 1
        if meant_as_frontmatter(lines):
            diagnostics.append(
                diagnostic(
                    "invalid-yaml",
                    path,
                    1,
                    1,
                    "frontmatter opened with '---' is never closed, so it is read as text",
                    "add a line '---' after the last property",
                )
            )
    else:
        body_line = closing + 2
        if not template:
            yaml_text = "\n".join(lines[1:closing]) + "\n"
            loaded = _load_yaml(path, yaml_text, diagnostics)
            if loaded is None:
                frontmatter_valid = False
            else:
                frontmatter, positions, scalar_spans = loaded

    body_start = sum(len(line) + 1 for line in lines[: body_line - 1])
    body = text[body_start:] if body_start <= len(text) else ""
    masked_body = mask_code_and_comments(body)

    links: list[Link] = []
    if frontmatter:
        links.extend(_frontmatter_links(frontmatter, scalar_spans, lines, template))
    if "[" in masked_body:
        links.extend(_links_in_text(masked_body, template, body, _Locator(body, body_line)))

    headings = _headings(masked_body)
    block_ids = (
        frozenset(m.group(1) for m in _BLOCK_ID.finditer(masked_body))
        if "^" in masked_body
        else _NO_BLOCK_IDS
    )
    tags = _frontmatter_strings(frontmatter, "tags", "tag")
    tags += _inline_tags(masked_body)
    tags = tuple(dict.fromkeys(tag.lstrip("#") for tag in tags if tag.lstrip("#")))
    aliases = _frontmatter_strings(frontmatter, "aliases", "alias")
    note_type, type_from_config = (
        types(note_id, frontmatter, tags) if types is not None and not template else (None, False)
    )

    note = Note(
        id=note_id,
        path=path,
        frontmatter=frontmatter,
        body=body,
        links=tuple(links),
        tags=tags,
        aliases=aliases,
        headings=headings,
        block_ids=block_ids,
        positions=positions,
        has_frontmatter=closing is not None,
        frontmatter_valid=frontmatter_valid,
        is_template=template,
        note_type=note_type,
        type_from_config=type_from_config,
        body_line=body_line,
    )
    return ParseResult(note, diagnostics)


def _lone_cr_problem(path: str, text: str) -> list[Diagnostic]:
    """A note with a lone CR and a marker in its body: index rewrites none of its blocks
    (see ``blocks.lone_cr_marker_line``), and lint says so, as index does."""
    from vault_tools.blocks import LONE_CR_PROBLEM, lone_cr_marker_line

    line = lone_cr_marker_line(text)
    if line is None:
        return []
    return [diagnostic("invalid-block", path, line, 1, *LONE_CR_PROBLEM)]


# -- bytes to text -------------------------------------------------------------


def _decode(path: str, data: bytes, diagnostics: list[Diagnostic]) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        diagnostics.append(
            diagnostic(
                "invalid-encoding",
                path,
                1,
                1,
                "the note is UTF-16; Obsidian and most tools expect UTF-8",
                "re-save the file as UTF-8",
            )
        )
        return data.decode("utf-16", errors="replace").lstrip("\ufeff")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nul = data.find(b"\x00")
    if nul != -1:
        line = data[:nul].replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1
        diagnostics.append(
            diagnostic(
                "invalid-encoding",
                path,
                line,
                1,
                "the note contains NUL bytes; it looks like a binary file, not Markdown",
                "rename it so it does not end in .md, or add it to `ignore`",
            )
        )
        return ""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        line = before.count(b"\n") + 1
        last_line = before[before.rfind(b"\n") + 1 :]
        column = len(last_line.decode("utf-8", errors="replace")) + 1
        diagnostics.append(
            diagnostic(
                "invalid-encoding",
                path,
                line,
                column,
                f"byte 0x{data[error.start]:02x} is not valid UTF-8 "
                "(the rest of the note was read with replacement characters)",
                "re-save the file as UTF-8",
            )
        )
        return data.decode("utf-8", errors="replace")


def meant_as_frontmatter(lines: list[str]) -> bool:
    """Whether ``lines`` (without their endings), which no line closes as a frontmatter,
    were meant to open one: '---' and then a ``key:`` line. Otherwise a '---' on line 1 is
    a thematic break, the first line of the body."""
    return (
        lines[0].rstrip(" \t") == "---" and len(lines) > 1 and bool(_YAML_KEY_LINE.match(lines[1]))
    )


def _frontmatter_end(lines: list[str]) -> int | None:
    """Index of the closing '---' or '...' line, when line 0 opens frontmatter."""
    if not lines or lines[0].rstrip(" \t") != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip(" \t") in ("---", "..."):
            return index
    return None


def _line_starts(text: str) -> list[int]:
    starts = [0]
    find = text.find
    position = find("\n")
    while position != -1:
        starts.append(position + 1)
        position = find("\n", position + 1)
    return starts


# -- YAML ------------------------------------------------------------------------

_NO_BLOCK_IDS: frozenset[str] = frozenset()  # shared: every empty frozenset() is a new object

# Notes of one type share a layout: the same keys, at the same lines and columns, and
# many of the same short values. One object for each such key, path, position and
# value, shared by every note, saves a fifth of a vault's memory. The table starts
# again when it reaches a bound, whatever a vault holds.
_SHARED: dict[Any, Any] = {}
_SHARED_LIMIT = 200_000


def _shared(value: Any) -> Any:
    found = _SHARED.get(value)
    if found is not None:
        return found
    if len(_SHARED) >= _SHARED_LIMIT:
        _SHARED.clear()  # bounded, and what a long watch no longer meets is let go
    _SHARED[value] = value
    return value


def _position(line: int, column: int) -> Position:
    return _shared(Position(line, column))  # type: ignore[no-any-return]


_Path = tuple[str | int, ...]
_Place = Callable[[Any], tuple[int, int]]
"""The file's (line, column), 1-based, of a YAML mark."""

_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"
_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("null", "bool", "int", "float", "binary", "timestamp", "str")
)
# libyaml also ends a line at these (and does not count a BOM it skips), so its own
# line and column of a mark are not the note's when the YAML holds one of them.
_LIBYAML_ONLY_BREAKS = re.compile("[\x85\u2028\u2029\ufeff]")


@dataclass
class _ScalarSpans:
    """Where each scalar value of the frontmatter is written, by its path."""

    nodes: dict[_Path, yaml.Node] = field(default_factory=dict)
    place: _Place = field(default=lambda _mark: (0, 0))

    def get(self, path: _Path) -> tuple[int, int, int, int] | None:
        """The (line, column) of the value's first character and of the one after its last."""
        node = self.nodes.get(path)
        if node is None:
            return None
        return (*self.place(node.start_mark), *self.place(node.end_mark))


def _load_yaml(
    path: str, yaml_text: str, diagnostics: list[Diagnostic]
) -> tuple[dict[str, Any], dict[_Path, Position], _ScalarSpans] | None:
    """Load frontmatter YAML safely; None when it cannot be used (diagnostics say why)."""
    first_line = 2  # the YAML starts on the line after the opening '---'
    if not yaml_text.strip():
        return {}, {}, _ScalarSpans()
    place = _mark_places(yaml_text, first_line)
    loader = _FrontmatterLoader(yaml_text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as error:
            diagnostics.append(_yaml_error(path, error, yaml_text, first_line))
            return None
        except (yaml.YAMLError, RecursionError, ValueError) as error:
            diagnostics.append(
                diagnostic(
                    "invalid-yaml",
                    path,
                    first_line,
                    1,
                    f"invalid YAML in frontmatter: {_one_line(error)}",
                )
            )
            return None
        if root is None:
            return {}, {}, _ScalarSpans()
        # Without a `*` there are no aliases, and most frontmatter is plain enough for the
        # quick walk; anything it does not handle goes through the full inspection.
        walked = _walk_plain(root, place) if "*" not in yaml_text else None
        if walked is not None:
            positions, scalars = walked
        else:
            positions, scalars = {}, {}
            if not _inspect_nodes(path, root, yaml_text, place, positions, scalars, diagnostics):
                return None
        try:
            value = _construct(loader, root, plain=walked is not None)
        except yaml.MarkedYAMLError as error:
            diagnostics.append(_yaml_error(path, error, yaml_text, first_line))
            return None
        except Exception as error:  # noqa: BLE001
            # PyYAML's constructors raise whatever a malformed scalar provokes
            # (`!!timestamp abc` is an AttributeError, `!!bool maybe` a KeyError):
            # all of it is the note's problem, reported as such, never a crash.
            diagnostics.append(
                diagnostic(
                    "invalid-yaml",
                    path,
                    first_line,
                    1,
                    f"invalid YAML in frontmatter: {_one_line(error)}",
                )
            )
            return None
    finally:
        loader.dispose()
    if not isinstance(value, dict):
        kind = "a list" if isinstance(value, list) else "a single value"
        diagnostics.append(
            diagnostic(
                "frontmatter-not-mapping",
                path,
                first_line,
                1,
                f"frontmatter is {kind}, not a set of `key: value` properties",
                "write each property as `key: value` on its own line",
            )
        )
        return None
    frontmatter = {str(key): item for key, item in value.items()}
    return frontmatter, positions, _ScalarSpans(scalars, place)


def _mark_places(yaml_text: str, first_line: int) -> _Place:
    """Place YAML marks in the file, by libyaml's line and column when they are the note's."""
    if _LIBYAML_ONLY_BREAKS.search(yaml_text):
        return _places_by_index(yaml_text, first_line)

    def place(mark: Any) -> tuple[int, int]:
        return mark.line + first_line, mark.column + 1

    return place


def _places_by_index(yaml_text: str, first_line: int) -> _Place:
    """Place YAML marks by their character index in ``yaml_text``.

    This holds whatever libyaml takes for a line break: YAML also breaks lines at
    U+0085, U+2028 and U+2029, which the note (and every editor) keeps in a line.
    """
    starts = _line_starts(yaml_text)

    def place(mark: Any) -> tuple[int, int]:
        index = min(mark.index, len(yaml_text))
        row = bisect.bisect_right(starts, index) - 1
        return row + first_line, index - starts[row] + 1

    return place


def _walk_plain(
    root: yaml.Node, place: _Place
) -> tuple[dict[_Path, Position], dict[_Path, yaml.Node]] | None:
    """The positions and scalar nodes that ``_inspect_nodes`` records, for YAML it has
    nothing to report or rewrite in; None for any other YAML.

    Plain YAML is a mapping of distinct keys, nested no deeper than MAX_YAML_DEPTH, with
    no aliases (the caller checks), no merge keys, no keys that are not scalars, no tags
    beyond the scalar ones and no unquoted wikilinks. Nodes are visited in the order of
    ``_inspect_nodes``, so the positions are recorded in the same order. The only change
    made to the nodes is the one ``_inspect_nodes`` makes as well: keys are read as text.
    """
    if type(root) is not yaml.MappingNode:
        return None
    positions: dict[_Path, Position] = {}
    scalars: dict[_Path, yaml.Node] = {}
    stack: list[tuple[yaml.Node, _Path, int]] = [(root, (), 0)]
    while stack:
        node, node_path, depth = stack.pop()
        kind = type(node)
        if kind is yaml.ScalarNode:
            if node.tag not in _SCALAR_TAGS:
                return None
            scalars[node_path] = node
            continue
        if depth >= MAX_YAML_DEPTH:
            return None
        if kind is yaml.MappingNode and node.tag == _MAP_TAG:
            keys: set[str] = set()
            for key_node, value_node in node.value:
                if type(key_node) is not yaml.ScalarNode:
                    return None
                key = _shared(str(key_node.value))
                # `<key>` is the path under which _inspect_nodes records key spans.
                if key in keys or key == "<<" or key == "<key>":
                    return None
                keys.add(key)
                key_node.tag = _STR_TAG
                key_node.value = key
                value_path = _shared((*node_path, key))
                positions[value_path] = _position(*place(key_node.start_mark))
                stack.append((value_node, value_path, depth + 1))
        elif kind is yaml.SequenceNode and node.tag == _SEQ_TAG:
            if _is_unquoted_wikilink(node):
                return None
            for index, item in enumerate(node.value):
                item_path = (*node_path, index)
                positions[_shared(item_path)] = _position(*place(item.start_mark))
                stack.append((item, item_path, depth + 1))
        else:
            return None
    return positions, scalars


def _construct(loader: Any, root: yaml.Node, *, plain: bool) -> Any:
    """``loader.construct_document(root)``; for YAML ``_walk_plain`` accepted, built
    directly, without PyYAML's bookkeeping for aliases and recursive values."""
    if plain:
        try:
            return _construct_plain(loader, root)
        except Exception:  # noqa: BLE001
            pass  # construct_document raises the error to report, in its own order
    return loader.construct_document(root)


def _construct_plain(loader: Any, node: yaml.Node) -> Any:
    if type(node) is yaml.ScalarNode:
        if node.tag == _STR_TAG:
            # Statuses, sources, organizations, names: short values recur across notes.
            return _shared(node.value) if len(node.value) <= 64 else node.value
        return loader.yaml_constructors[node.tag](loader, node)
    if type(node) is yaml.SequenceNode:
        return [_construct_plain(loader, item) for item in node.value]
    return {key.value: _construct_plain(loader, value) for key, value in node.value}


def _inspect_nodes(
    path: str,
    root: yaml.Node,
    yaml_text: str,
    place: _Place,
    positions: dict[_Path, Position],
    scalars: dict[_Path, yaml.Node],
    diagnostics: list[Diagnostic],
) -> bool:
    """Walk the composed YAML once, before anything is constructed.

    Records where each value is written, reports unsafe tags, duplicate keys and
    unquoted wikilinks (rewriting the latter two kinds so that construction reads
    what the person meant), and refuses alias bombs and absurd nesting.
    Returns False when the frontmatter must not be constructed.
    """

    def here(node: yaml.Node) -> tuple[int, int]:
        return place(node.start_mark)

    has_aliases = "*" in yaml_text
    if has_aliases:
        problem = _alias_problem(root)
        if problem is not None:
            message, node = problem
            line, column = here(node)
            diagnostics.append(
                diagnostic(
                    "invalid-yaml",
                    path,
                    line,
                    column,
                    message,
                    "remove the anchors (&) and aliases (*)",
                )
            )
            return False
    seen: set[int] = set()
    # An explicit stack: YAML nests up to a thousand levels, beyond Python's recursion.
    stack: list[tuple[yaml.Node, _Path, int]] = [(root, (), 0)]
    while stack:
        node, node_path, depth = stack.pop()
        if has_aliases:
            if id(node) in seen:
                continue  # an alias of a node already walked
            seen.add(id(node))
        if depth > MAX_YAML_DEPTH:
            line, column = here(node)
            diagnostics.append(
                diagnostic(
                    "invalid-yaml",
                    path,
                    line,
                    column,
                    f"frontmatter nests more than {MAX_YAML_DEPTH} levels deep; it was not read",
                )
            )
            return False
        if node.tag not in _SAFE_TAGS and not _is_unquoted_wikilink(node):
            line, column = here(node)
            diagnostics.append(
                diagnostic(
                    "unsafe-yaml-tag",
                    path,
                    line,
                    column,
                    f"YAML tag {_short_tag(node.tag)} is not allowed in frontmatter; "
                    "its value was read as plain data",
                    "remove the tag",
                )
            )
            node.tag = _DEFAULT_TAG[type(node)]
        if isinstance(node, yaml.ScalarNode):
            scalars[node_path] = node
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                if _is_unquoted_wikilink(item):
                    item = _report_unquoted_wikilink(path, item, yaml_text, place, diagnostics)
                    node.value[index] = item
                item_path = (*node_path, index)
                positions.setdefault(item_path, Position(*here(item)))
                stack.append((item, item_path, depth + 1))
        elif isinstance(node, yaml.MappingNode):
            seen_keys: dict[str, int] = {}
            kept: list[tuple[yaml.Node, yaml.Node]] = []
            for key_node, value_node in node.value:
                key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else None
                if key is not None and key != "<<":
                    # Keys are read as written (`null:` is "null", `on:` is "on"), so that
                    # the frontmatter and the positions recorded here agree.
                    key_node.tag = "tag:yaml.org,2002:str"
                if key is not None and key != "<<" and key in seen_keys:
                    line, column = here(key_node)
                    diagnostics.append(
                        diagnostic(
                            "duplicate-key",
                            path,
                            line,
                            column,
                            f"key {key!r} is written twice (first on line "
                            f"{seen_keys[key]}); only this value is kept",
                            "delete one of the two lines",
                        )
                    )
                    kept = [
                        (k, v)
                        for k, v in kept
                        if not (isinstance(k, yaml.ScalarNode) and str(k.value) == key)
                    ]
                if key is not None:
                    seen_keys[key] = here(key_node)[0]
                if _is_unquoted_wikilink(value_node):
                    value_node = _report_unquoted_wikilink(
                        path, value_node, yaml_text, place, diagnostics
                    )
                kept.append((key_node, value_node))
                value_path = (*node_path, key) if key is not None else node_path
                if key is not None and key != "<<":
                    positions.setdefault(value_path, Position(*here(key_node)))
                stack.append((key_node, (*node_path, "<key>"), depth + 1))
                stack.append((value_node, value_path, depth + 1))
            node.value = kept
    return True


def _alias_problem(root: yaml.Node) -> tuple[str, yaml.Node] | None:
    """Why the aliases of this YAML make it unusable, if they do: a value that contains
    itself, or more than MAX_YAML_VALUES values once expanded (billion laughs)."""
    expanded: dict[int, int] = {}
    in_progress: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            in_progress.discard(id(node))
            size = 1 + sum(expanded[id(child)] for child in _children(node))
            if size > MAX_YAML_VALUES:
                return (
                    f"frontmatter expands to more than {MAX_YAML_VALUES:,} values through "
                    "YAML aliases; it was not read",
                    root,
                )
            expanded[id(node)] = size
            continue
        if id(node) in expanded:
            continue
        if id(node) in in_progress:
            return "frontmatter contains a value that includes itself through an alias", node
        in_progress.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in expanded)
    return None


def _short_tag(tag: str) -> str:
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix) :] if tag.startswith(prefix) else tag


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    return []


def _is_unquoted_wikilink(node: yaml.Node) -> bool:
    """``[[Name]]`` written bare in YAML: a flow list holding one flow list of one scalar."""
    if not (isinstance(node, yaml.SequenceNode) and node.flow_style and len(node.value) == 1):
        return False
    inner = node.value[0]
    return (
        isinstance(inner, yaml.SequenceNode)
        and bool(inner.flow_style)
        and len(inner.value) == 1
        and isinstance(inner.value[0], yaml.ScalarNode)
        and node.start_mark.line == node.end_mark.line
        and inner.start_mark.column == node.start_mark.column + 1
        and inner.end_mark.column == node.end_mark.column - 1
    )


def _report_unquoted_wikilink(
    path: str,
    node: yaml.Node,
    yaml_text: str,
    place: _Place,
    diagnostics: list[Diagnostic],
) -> yaml.ScalarNode:
    written = yaml_text[node.start_mark.index : node.end_mark.index]
    diagnostics.append(
        diagnostic(
            "unquoted-wikilink-in-yaml",
            path,
            *place(node.start_mark),
            f"{written} is not quoted, so YAML reads it as a nested list, not a link",
            f'quote it: "{written}"',
        )
    )
    return yaml.ScalarNode("tag:yaml.org,2002:str", written, node.start_mark, node.end_mark)


def _yaml_error(
    path: str, error: yaml.MarkedYAMLError, yaml_text: str, first_line: int
) -> Diagnostic:
    mark = error.problem_mark or error.context_mark
    # Placed by index, which holds for any YAML (errors are rare, so speed does not matter).
    line, column = _places_by_index(yaml_text, first_line)(mark) if mark else (first_line, 1)
    problem = error.problem or error.context or "cannot be read"
    return diagnostic(
        "invalid-yaml",
        path,
        line,
        column,
        f"invalid YAML in frontmatter: {problem}",
        _yaml_hint(yaml_text, mark),
    )


def _yaml_hint(yaml_text: str, mark: Any) -> str | None:
    if mark is None:
        return None
    row = yaml_text.count("\n", 0, mark.index)
    lines = yaml_text.split("\n")
    line = lines[row] if 0 <= row < len(lines) else ""
    if "{{" in line:
        return (
            "{{...}} is a template placeholder, not YAML: keep templates in the templates "
            "folder (`templates` in .vault-tools.toml)"
        )
    if "[[" in line:
        return 'quote wikilinks in frontmatter: "[[Name]]"'
    if "\t" in line[: len(line) - len(line.lstrip())]:
        return "indent YAML with spaces, not tabs"
    if ": " in line.split(":", 1)[-1]:
        return "quote values that contain ': '"
    return None


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


# -- links -----------------------------------------------------------------------


def _frontmatter_links(
    frontmatter: dict[str, Any],
    scalar_spans: _ScalarSpans,
    lines: list[str],
    template: bool,
) -> list[Link]:
    """Links in frontmatter strings, positioned where they are written in the file.

    A value's text can differ from its source (quotes, escapes, folded lines), so
    each link is found in the source span of its scalar: the n-th ``[`` that opens
    a link there is the n-th link of the value.
    """
    links: list[Link] = []
    stack: list[tuple[Any, _Path]] = [(value, (key,)) for key, value in frontmatter.items()]
    stack.reverse()
    while stack:
        value, value_path = stack.pop()
        if isinstance(value, str):
            if "[[" not in value and "](" not in value:
                continue
            span = scalar_spans.get(value_path)
            cursor = (span[0], span[1]) if span else (1, 1)
            for link in _links_in_text(value, template):
                if span is not None:
                    cursor = _next_link_start(lines, span, cursor, link)
                links.append(
                    replace(
                        link,
                        line=cursor[0],
                        column=cursor[1],
                        in_frontmatter=True,
                        key=str(value_path[0]),
                    )
                )
                cursor = (cursor[0], cursor[1] + max(1, len(link.raw)))
        elif isinstance(value, list):
            stack.extend(reversed([(item, (*value_path, i)) for i, item in enumerate(value)]))
        elif isinstance(value, dict):
            stack.extend(reversed([(item, (*value_path, str(k))) for k, item in value.items()]))
    return links


def _next_link_start(
    lines: list[str], span: tuple[int, int, int, int], cursor: tuple[int, int], link: Link
) -> tuple[int, int]:
    """The (line, column) of ``link`` at or after ``cursor`` within the scalar's ``span``.

    The link as written is looked for first; escapes or folding can change how it is
    written, and then the next link opener is the best guess.
    """
    for needle in (link.raw, "[" if link.markdown else "[["):
        line, column = cursor
        while needle and line <= min(span[2], len(lines)):
            text = lines[line - 1]
            stop = span[3] - 1 if line == span[2] else len(text)
            found = text.find(needle, column - 1, stop)
            if found != -1:
                if link.embed and needle != link.raw and found > 0 and text[found - 1] == "!":
                    found -= 1
                return line, found + 1
            line, column = line + 1, 1
    return cursor


Locate = Callable[[int], tuple[int, int]]


def _unplaced(_offset: int) -> tuple[int, int]:
    return 0, 0


class _Locator:
    """The (line, column), 1-based, of offsets into ``text``, whose first line is ``first_line``.

    Lines are counted on from the offset asked for last, so asking in increasing order
    (the links of a text, as they are found) reads the text once, however long it is.
    """

    def __init__(self, text: str, first_line: int) -> None:
        self._text = text
        self._first_line = first_line
        self._offset = 0
        self._line = first_line
        self._line_start = 0

    def __call__(self, offset: int) -> tuple[int, int]:
        if offset < self._offset:
            self._offset, self._line, self._line_start = 0, self._first_line, 0
        newlines = self._text.count("\n", self._offset, offset)
        if newlines:
            self._line += newlines
            self._line_start = self._text.rfind("\n", self._offset, offset) + 1
        self._offset = offset
        return self._line, offset - self._line_start + 1


def _links_in_text(
    text: str, template: bool, original: str | None = None, locate: Locate = _unplaced
) -> list[Link]:
    """Links in ``text``, in order, placed by ``locate`` (offset -> line, column).

    ``original`` is the unmasked text when ``text`` has code and comments blanked out.
    """
    source = text if original is None else original
    found: list[tuple[int, Link]] = []
    if "[[" in text:
        for match in _WIKILINK_FROM_BRACKET.finditer(text):
            start, end = match.span()
            inner = source[start + 2 : end - 2]
            if template and _SYNTHETIC_PLACEHOLDER in inner:
                continue
            embed = start > 0 and text[start - 1] == "!"
            if embed:
                start -= 1
            line, column = locate(start)
            link = wikilink(inner, embed=embed, raw=source[start:end], line=line, column=column)
            if link is not None:
                found.append((start, link))
    if "](" in text:
        for match in _MARKDOWN_LINK_FROM_BRACKET.finditer(text):
            destination = source[match.start(2) : match.end(2)]
            if template and _SYNTHETIC_PLACEHOLDER in destination:
                continue
            start, end = match.span()
            embed = start > 0 and text[start - 1] == "!"
            if embed:
                start -= 1
            line, column = locate(start)
            link = markdown_link(
                destination,
                embed=embed,
                text=match.group(1),
                raw=source[start:end],
                line=line,
                column=column,
            )
            if link is not None:
                found.append((start, link))
    found.sort(key=lambda pair: pair[0])
    return [link for _, link in found]


def wikilink(
    inner: str, *, embed: bool = False, raw: str = "", line: int = 0, column: int = 0
) -> Link | None:
    """The Link written as ``[[inner]]``; None when it names nothing."""
    alias: str | None = None
    target_part = inner
    bar = inner.find("|")
    if bar != -1:
        target_part, alias = inner[:bar], inner[bar + 1 :]
        if target_part.endswith("\\"):  # `\|` escapes the bar inside tables
            target_part = target_part[:-1]
        alias = alias.strip() or None
    target, _, subpath = target_part.partition("#")
    target = target.strip()
    heading, block = _split_subpath(subpath)
    if not target and heading is None and block is None:
        return None
    return Link(
        target=target,
        line=line,
        column=column,
        heading=heading,
        block=block,
        alias=alias,
        embed=embed,
        raw=raw or f"[[{inner}]]",
    )


def markdown_link(
    destination: str,
    *,
    embed: bool = False,
    text: str = "",
    raw: str = "",
    line: int = 0,
    column: int = 0,
) -> Link | None:
    """The Link written as ``[text](destination)``; None for URLs and empty links."""
    destination = destination.strip()
    if destination.startswith("<") and destination.endswith(">"):
        destination = destination[1:-1].strip()
    if not destination or _URL_SCHEME.match(destination) or destination.startswith("//"):
        return None
    path_part, _, fragment = destination.partition("#")
    target = unquote(path_part)
    heading, block = _split_subpath(unquote(fragment))
    if not target and heading is None and block is None:
        return None
    return Link(
        target=target,
        line=line,
        column=column,
        heading=heading,
        block=block,
        alias=text or None,
        embed=embed,
        markdown=True,
        raw=raw,
    )


def _split_subpath(subpath: str) -> tuple[str | None, str | None]:
    subpath = subpath.strip()
    if not subpath:
        return None, None
    if subpath.startswith("^"):
        return None, subpath[1:].strip() or None
    heading = "#".join(part.strip() for part in subpath.split("#") if part.strip())
    return heading or None, None


# -- body --------------------------------------------------------------------------


def mask_code_and_comments(text: str) -> str:
    """``text`` with fenced code, inline code and HTML comments blanked out.

    Offsets and line breaks are kept, so positions in the result are positions in
    ``text``. Nothing inside those spans is a link, heading, tag or block id.
    """
    if "`" not in text and "~~~" not in text and "<!--" not in text:
        return text
    out: list[str] = []
    plain: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if fence is None and match:
            if plain:
                out.append(_mask_inline("\n".join(plain)))
                plain = []
            fence = match.group(1)
            out.append(_blank(line))
        elif fence is not None:
            out.append(_blank(line))
            closes = (
                match is not None
                and match.group(1)[0] == fence[0]
                and len(match.group(1)) >= len(fence)
                and not line[match.end() :].strip()
            )
            if closes:
                fence = None
        else:
            plain.append(line)
    if plain:
        out.append(_mask_inline("\n".join(plain)))
    return "\n".join(out)


def _mask_inline(text: str) -> str:
    """Blank out inline code spans and HTML comments, scanning once from the left.

    A code span closes at the next run of as many backticks before a blank line; a
    comment at the next ``-->``. Unclosed ones are plain text. Each opener is matched
    with a lookup, not a rescan, so hostile input stays linear (n log n).
    """
    if "`" not in text and "<!--" not in text:
        return text
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text)]
    starts_by_length: dict[int, list[int]] = {}
    ends = {}
    for start, end in runs:
        starts_by_length.setdefault(end - start, []).append(start)
        ends[start] = end
    blank_lines = [m.start() for m in _BLANK_LINE.finditer(text)]
    spans: list[tuple[int, int]] = []
    comments_can_close = True
    run_index = 0
    position = 0
    # The next "<!--" found so far: searched again only once the scan has passed it,
    # so a note with many code spans and no comment is not rescanned for each span.
    next_comment = text.find("<!--")
    while True:
        while run_index < len(runs) and runs[run_index][0] < position:
            run_index += 1
        next_run = runs[run_index][0] if run_index < len(runs) else -1
        if next_comment != -1 and next_comment < position:
            next_comment = text.find("<!--", position)
        if not comments_can_close:
            next_comment = -1
        if next_comment != -1 and (next_run == -1 or next_comment < next_run):
            close = text.find("-->", next_comment + 4)
            if close == -1:
                comments_can_close = False  # no later comment can close either
                continue
            spans.append((next_comment, close + 3))
            position = close + 3
            continue
        if next_run == -1:
            break
        start, end = runs[run_index]
        same = starts_by_length[end - start]
        candidate = bisect.bisect_left(same, end)
        blank = bisect.bisect_left(blank_lines, end)
        limit = blank_lines[blank] if blank < len(blank_lines) else len(text)
        if candidate < len(same) and same[candidate] < limit:
            closer = same[candidate]
            spans.append((start, ends[closer]))
            position = ends[closer]
        else:
            position = end
    if not spans:
        return text
    pieces = []
    last = 0
    for start, end in spans:
        pieces.append(text[last:start])
        pieces.append(_blank(text[start:end]))
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def _blank(text: str) -> str:
    return re.sub(r"[^\n]", " ", text)


def _headings(text: str) -> tuple[str, ...]:
    """ATX headings (``## Notes``, closing hashes dropped) and setext headings
    (a line underlined with ``===`` or ``---``), in order."""
    found: list[tuple[int, str]] = []
    if "#" in text:
        for match in _HEADING_AFTER_NEWLINE.finditer("\n" + text):
            heading = _without_closing_hashes(match.group(1) or "")
            if heading:
                found.append((match.start(), heading))
    if _SETEXT_UNDERLINE.search(text):
        for match in _SETEXT_HEADING.finditer(text):
            found.append((match.start(), match.group(1).strip()))
    return tuple(heading for _, heading in sorted(found))


def _without_closing_hashes(heading: str) -> str:
    """``Notes ##`` is ``Notes``; ``Learn C#`` keeps its ``#`` (no space before it)."""
    heading = heading.strip()
    bare = heading.rstrip("#")
    if bare != heading and (not bare or bare[-1] in " \t"):
        heading = bare.strip()
    return heading


def _inline_tags(text: str) -> tuple[str, ...]:
    """``#tag`` at the start of a line, after a space or "(", not all digits, and not the
    ``#fragment`` of a Markdown link's ``](#...)``."""
    if "#" not in text:
        return ()
    found = []
    for match in _INLINE_TAG.finditer(text):
        start = match.start()
        before = text[start - 1] if start else "\n"
        after_space = before.isspace() or (before == "(" and text[start - 2 : start - 1] != "]")
        if after_space and not match.group(1).isdigit():
            found.append(match.group(1))
    return tuple(found)


def _frontmatter_strings(frontmatter: dict[str, Any], *keys: str) -> tuple[str, ...]:
    for key in keys:
        value = frontmatter.get(key)
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        if isinstance(value, list):
            return tuple(
                str(item).strip()
                for item in value
                if isinstance(item, (str, int, float)) and str(item).strip()
            )
    return ()
