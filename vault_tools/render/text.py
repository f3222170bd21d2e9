"""Text from notes made safe to show: on one line, on a terminal, in Markdown.

A note's title is its file name and its fields are YAML strings, so either can hold a line
break, a control character or Markdown and HTML syntax. What vault-tools writes shows
such text as text: it never starts a line, drives a terminal or becomes a link, a tag, a
comment or a table cell of its own.
"""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """``text`` on one line: each run of whitespace (line breaks, tabs, U+2028, ...) becomes
    one space, and every other control character U+FFFD."""
    return _CONTROL.sub("\ufffd", " ".join(text.split()))


def escape_controls(text: str) -> str:
    """``text`` with control characters and line separators written as escapes (``\\n``,
    ``\\x1b``, ``\\u2028``): on one line and inert on a terminal, with nothing lost."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


# -- Markdown --------------------------------------------------------------------------------

_MARKDOWN_ESCAPES = {
    "\\": "\\\\",
    "|": "\\|",  # would end a table cell
    # Entities, not backslashes, for brackets: no Markdown reader (nor vault-tools' own
    # link parser) can then see a link, whatever follows.
    "[": "&#91;",
    "]": "&#93;",
    "<": "&lt;",  # HTML, comments, autolinks
    ">": "&gt;",  # the end of a comment
    "`": "&#96;",  # code spans
    "$": "\\$",  # Obsidian's math
    "^": "\\^",  # a block id at the end of a line
}
_ENTITY_START = re.compile(r"&(?=#|[A-Za-z0-9]+;)")
_OBSIDIAN_COMMENT = re.compile(r"%(?=%)")
_TAG_START = re.compile(r"(?<![^\s(])#")  # where a tag could start
_UNLINKABLE = re.compile(r"[\[\]|#^<>`\\]|%%|&(?:#|[A-Za-z0-9]+;)")
_BLOCK_START = re.compile(r"^(?:[-+*=~_]|\d{1,9}(?=[.)]))")


_MARKDOWN_TRANSLATION = str.maketrans(_MARKDOWN_ESCAPES)
_NEEDS_ESCAPE = re.compile(r"[\\|\[\]<>`$^&%#]")


def markdown_text(text: str) -> str:
    """``text`` as Markdown that reads as ``text`` (on one line, see ``one_line``) and is
    nothing else: no link, HTML, comment (``%%`` or ``<!-- -->``), code, math, tag, block
    id or cell end."""
    line = one_line(text)
    if _NEEDS_ESCAPE.search(line) is None:
        return line  # most names and fields: nothing to escape (index views render many)
    escaped = _ENTITY_START.sub("&amp;", line).translate(_MARKDOWN_TRANSLATION)
    escaped = _OBSIDIAN_COMMENT.sub("&#37;", escaped)
    return _TAG_START.sub("&#35;", escaped)


def linkable(name: str) -> bool:
    """Whether ``[[name]]`` links to the note ``name`` and shows nothing but the name: the
    name is on one line and holds nothing a wikilink or Markdown would read as syntax."""
    return bool(name) and one_line(name) == name and _UNLINKABLE.search(name) is None


def bullet(markdown: str) -> str:
    """A list item holding ``markdown``, which cannot start a list, heading, quote, rule
    or fence of its own inside the item."""
    match = _BLOCK_START.match(markdown)
    if match is None:
        return f"- {markdown}"
    if match.group()[0].isdigit():
        return f"- {match.group()}\\{markdown[match.end() :]}"
    return f"- \\{markdown}"
