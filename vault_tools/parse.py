"""Turn a note's bytes into a Note and the diagnostics found while reading it.

``parse_note`` never raises for any content: every problem becomes a diagnostic
with the line it is on, and whatever can still be read is kept.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
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
        """A date-shaped value that is no date (2026-13-45) stays text for the schema to flag."""
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_FrontmatterLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _FrontmatterLoader.construct_yaml_timestamp
)


_SAFE_TAGS = frozenset(_FrontmatterLoader.yaml_constructors) - {None}
_DEFAULT_TAG = {
    yaml.ScalarNode: "tag:yaml.org,2002:str",
    yaml.SequenceNode: "tag:yaml.org,2002:seq",
    yaml.MappingNode: "tag:yaml.org,2002:map",
}

WIKILINK = re.compile(r"(!?)\[\[([^\[\]\n]*)\]\]")
MARKDOWN_LINK = re.compile(
    r"(!?)\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]"
    r"\(\s*(<[^<>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)"
)
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_FENCE = re.compile(r"^[ \t]*(?:>[ \t]*)*(`{3,}|~{3,})")
_CODE_OR_COMMENT = re.compile(
    r"<!--.*?-->|(?<!`)(`+)(?!`)(?:(?!\n[ \t]*\n).)*?(?<!`)\1(?!`)", re.DOTALL
)
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t#]*$", re.MULTILINE)
_BLOCK_ID = re.compile(r"(?:^|[ \t])\^([A-Za-z0-9-]+)[ \t]*$", re.MULTILINE)
_INLINE_TAG = re.compile(r"(?:^|(?<=[\s(]))#([^\s#!\"$%&'()*+,.:;<=>?@\[\\\]^`{|}~]+)")
_YAML_KEY_LINE = re.compile(r"^[\w\"'-][^:\n]*:(\s|$)")
_SYNTHETIC_PLACEHOLDER = "{{"


@dataclass
class ParseResult:
    note: Note
    diagnostics: list[Diagnostic]


def parse_note(path: str, data: bytes, *, template: bool = False) -> ParseResult:
    """Parse the note at vault-relative POSIX ``path`` from its raw bytes.

    ``template`` marks notes of the templates folder: their YAML holds Obsidian
    placeholders, so it is not read; their links still are.
    """
    diagnostics: list[Diagnostic] = []
    text = _decode(path, data, diagnostics)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    note_id = path[:-3] if path.lower().endswith(".md") else path

    lines = text.split("\n")
    closing = _frontmatter_end(lines)
    frontmatter: dict[str, Any] = {}
    positions: dict[tuple[str | int, ...], Position] = {}
    scalar_starts: dict[tuple[str | int, ...], tuple[int, int, bool]] = {}
    frontmatter_valid = True
    if closing is None:
        body_line = 1
        if lines[0].rstrip(" \t") == "---" and len(lines) > 1 and _YAML_KEY_LINE.match(lines[1]):
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
            yaml_text = "\n".join(lines[1:closing])
            loaded = _load_yaml(path, yaml_text, diagnostics)
            if loaded is None:
                frontmatter_valid = False
            else:
                frontmatter, positions, scalar_starts = loaded

    body_start = sum(len(line) + 1 for line in lines[: body_line - 1])
    body = text[body_start:] if body_start <= len(text) else ""
    masked_body = mask_code_and_comments(body)
    line_starts = _line_starts(text)

    def locate(offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(line_starts, offset) - 1
        return index + 1, offset - line_starts[index] + 1

    links: list[Link] = []
    if frontmatter:
        links.extend(_frontmatter_links(frontmatter, scalar_starts, template))
    for link, offset in _body_links(masked_body, body, template):
        line, column = locate(body_start + offset)
        links.append(_with_position(link, line, column))

    headings = tuple(m.group(1).strip() for m in _HEADING.finditer(masked_body))
    block_ids = frozenset(m.group(1) for m in _BLOCK_ID.finditer(masked_body))
    tags = _frontmatter_strings(frontmatter, "tags", "tag")
    tags += tuple(m.group(1) for m in _INLINE_TAG.finditer(masked_body) if not m.group(1).isdigit())
    aliases = _frontmatter_strings(frontmatter, "aliases", "alias")

    note = Note(
        id=note_id,
        path=path,
        frontmatter=frontmatter,
        body=body,
        links=tuple(links),
        tags=tuple(dict.fromkeys(tag.lstrip("#") for tag in tags if tag.lstrip("#"))),
        aliases=aliases,
        headings=headings,
        block_ids=block_ids,
        positions=positions,
        has_frontmatter=closing is not None,
        frontmatter_valid=frontmatter_valid,
        is_template=template,
        body_line=body_line,
    )
    return ParseResult(note, diagnostics)


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
        line = data.count(b"\n", 0, nul) + 1
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
        line_start = data.rfind(b"\n", 0, error.start) + 1
        line = data.count(b"\n", 0, error.start) + 1
        column = len(data[line_start : error.start].decode("utf-8", errors="replace")) + 1
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

_Path = tuple[str | int, ...]


def _load_yaml(
    path: str, yaml_text: str, diagnostics: list[Diagnostic]
) -> tuple[dict[str, Any], dict[_Path, Position], dict[_Path, tuple[int, int, bool]]] | None:
    """Load frontmatter YAML safely; None when it cannot be used (diagnostics say why)."""
    first_line = 2  # the YAML starts on the line after the opening '---'
    if not yaml_text.strip():
        return {}, {}, {}
    loader = _FrontmatterLoader(yaml_text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = mark.line + first_line if mark else first_line
            column = mark.column + 1 if mark else 1
            problem = error.problem or error.context or "cannot be read"
            diagnostics.append(
                diagnostic(
                    "invalid-yaml",
                    path,
                    line,
                    column,
                    f"invalid YAML in frontmatter: {problem}",
                    _yaml_hint(yaml_text, mark),
                )
            )
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
            return {}, {}, {}
        positions: dict[_Path, Position] = {}
        scalar_starts: dict[_Path, tuple[int, int, bool]] = {}
        if not _inspect_nodes(
            path, root, yaml_text, first_line, positions, scalar_starts, diagnostics
        ):
            return None
        try:
            value = loader.construct_document(root)
        except (yaml.YAMLError, RecursionError, ValueError, TypeError, OverflowError) as error:
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
        kind = "a list" if isinstance(value, list) else f"a single {type(value).__name__} value"
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
    return frontmatter, positions, scalar_starts


def _inspect_nodes(
    path: str,
    root: yaml.Node,
    yaml_text: str,
    first_line: int,
    positions: dict[_Path, Position],
    scalar_starts: dict[_Path, tuple[int, int, bool]],
    diagnostics: list[Diagnostic],
) -> bool:
    """Walk the composed YAML once, before anything is constructed.

    Records where each value is written, reports unsafe tags, duplicate keys and
    unquoted wikilinks (rewriting the latter two kinds so that construction reads
    what the person meant), and refuses alias bombs and absurd nesting.
    Returns False when the frontmatter must not be constructed.
    """
    yaml_lines = yaml_text.split("\n")

    def here(node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + first_line, node.start_mark.column + 1

    expanded: dict[int, int] = {}
    seen: set[int] = set()
    # An explicit stack: YAML nests up to a thousand levels, beyond Python's recursion.
    stack: list[tuple[yaml.Node, _Path, int, bool]] = [(root, (), 0, False)]
    while stack:
        node, node_path, depth, done = stack.pop()
        if done:
            children = _children(node)
            expanded[id(node)] = 1 + sum(expanded.get(id(child), 1) for child in children)
            if expanded[id(node)] > MAX_YAML_VALUES:
                diagnostics.append(
                    diagnostic(
                        "invalid-yaml",
                        path,
                        first_line,
                        1,
                        f"frontmatter expands to more than {MAX_YAML_VALUES:,} values "
                        "through YAML aliases; it was not read",
                        "remove the anchors (&) and aliases (*)",
                    )
                )
                return False
            continue
        if id(node) in seen:
            if id(node) not in expanded:
                line, column = here(node)
                diagnostics.append(
                    diagnostic(
                        "invalid-yaml",
                        path,
                        line,
                        column,
                        "frontmatter contains a value that includes itself through an "
                        "alias; it was not read",
                        "remove the anchors (&) and aliases (*)",
                    )
                )
                return False
            continue
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
        stack.append((node, node_path, depth, True))
        if isinstance(node, yaml.ScalarNode):
            line, column = here(node)
            scalar_starts[node_path] = (line, column, node.style in ("'", '"'))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                if _is_unquoted_wikilink(item):
                    item = _report_unquoted_wikilink(
                        path, item, yaml_lines, first_line, diagnostics
                    )
                    node.value[index] = item
                item_path = (*node_path, index)
                positions.setdefault(item_path, Position(*here(item)))
                stack.append((item, item_path, depth + 1, False))
        elif isinstance(node, yaml.MappingNode):
            seen_keys: dict[str, int] = {}
            kept: list[tuple[yaml.Node, yaml.Node]] = []
            for key_node, value_node in node.value:
                key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else None
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
                        path, value_node, yaml_lines, first_line, diagnostics
                    )
                kept.append((key_node, value_node))
                value_path = (*node_path, key) if key is not None else node_path
                if key is not None and key != "<<":
                    positions.setdefault(value_path, Position(*here(key_node)))
                stack.append((key_node, (*node_path, "<key>"), depth + 1, False))
                stack.append((value_node, value_path, depth + 1, False))
            node.value = kept
    return True


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
    yaml_lines: list[str],
    first_line: int,
    diagnostics: list[Diagnostic],
) -> yaml.ScalarNode:
    source_line = yaml_lines[node.start_mark.line]
    written = source_line[node.start_mark.column : node.end_mark.column]
    diagnostics.append(
        diagnostic(
            "unquoted-wikilink-in-yaml",
            path,
            node.start_mark.line + first_line,
            node.start_mark.column + 1,
            f"{written} is not quoted, so YAML reads it as a nested list, not a link",
            f'quote it: "{written}"',
        )
    )
    return yaml.ScalarNode("tag:yaml.org,2002:str", written, node.start_mark, node.end_mark)


def _yaml_hint(yaml_text: str, mark: Any) -> str | None:
    if mark is None:
        return None
    lines = yaml_text.split("\n")
    line = lines[mark.line] if 0 <= mark.line < len(lines) else ""
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
    scalar_starts: dict[_Path, tuple[int, int, bool]],
    template: bool,
) -> list[Link]:
    links: list[Link] = []
    stack: list[tuple[Any, _Path]] = [(value, (key,)) for key, value in frontmatter.items()]
    stack.reverse()
    while stack:
        value, value_path = stack.pop()
        if isinstance(value, str):
            if "[[" not in value and "](" not in value:
                continue
            line, column, quoted = scalar_starts.get(value_path, (1, 1, False))
            column += 1 if quoted else 0
            for link, offset in _links_in_text(value, template):
                before = value[:offset]
                link_column = column + offset if "\n" not in before else 1
                link = _with_position(link, line + before.count("\n"), link_column)
                links.append(
                    Link(**{**link.__dict__, "in_frontmatter": True, "key": str(value_path[0])})
                )
        elif isinstance(value, list):
            stack.extend(reversed([(item, (*value_path, i)) for i, item in enumerate(value)]))
        elif isinstance(value, dict):
            stack.extend(reversed([(item, (*value_path, str(k))) for k, item in value.items()]))
    return links


def _body_links(masked: str, original: str, template: bool) -> list[tuple[Link, int]]:
    if "[" not in masked:
        return []
    return _links_in_text(masked, template, original)


def _links_in_text(
    text: str, template: bool, original: str | None = None
) -> list[tuple[Link, int]]:
    """Links in ``text`` with their offsets; ``original`` is the unmasked text, if masked."""
    source = text if original is None else original
    found: list[tuple[Link, int]] = []
    if "[[" in text:
        for match in WIKILINK.finditer(text):
            inner = source[match.start(2) : match.end(2)]
            link = wikilink(
                inner, embed=bool(match.group(1)), raw=source[match.start() : match.end()]
            )
            if link is not None and not (template and _SYNTHETIC_PLACEHOLDER in inner):
                found.append((link, match.start()))
    if "](" in text:
        for match in MARKDOWN_LINK.finditer(text):
            destination = source[match.start(3) : match.end(3)]
            link = markdown_link(
                destination,
                embed=bool(match.group(1)),
                text=match.group(2),
                raw=source[match.start() : match.end()],
            )
            if link is not None and not (template and _SYNTHETIC_PLACEHOLDER in destination):
                found.append((link, match.start()))
    found.sort(key=lambda pair: pair[1])
    return found


def wikilink(inner: str, *, embed: bool = False, raw: str = "") -> Link | None:
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
        line=0,
        column=0,
        heading=heading,
        block=block,
        alias=alias,
        embed=embed,
        raw=raw or f"[[{inner}]]",
    )


def markdown_link(
    destination: str, *, embed: bool = False, text: str = "", raw: str = ""
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
        line=0,
        column=0,
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


def _with_position(link: Link, line: int, column: int) -> Link:
    return Link(**{**link.__dict__, "line": line, "column": column})


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
    if "`" not in text and "<!--" not in text:
        return text
    return _CODE_OR_COMMENT.sub(lambda m: _blank(m.group(0)), text)


def _blank(text: str) -> str:
    return re.sub(r"[^\n]", " ", text)


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
