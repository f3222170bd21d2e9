"""The records every other module passes around: notes, links and diagnostics.

They are frozen dataclasses: built once by the parser or a rule, then only read.
"""

from __future__ import annotations

import enum
import operator
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, TypeVar

_Record = TypeVar("_Record", bound=type)


def compact_pickling(cls: _Record) -> _Record:
    """Pickle instances of the slotted dataclass ``cls`` as its field values in order.

    The default pickles a dict of slot names per object: several times the bytes and the
    time, which the parse workers and the note cache pay for every note and link.
    """
    names = [item.name for item in fields(cls)]
    values = operator.attrgetter(*names)
    single = len(names) == 1  # attrgetter of one name gives the value, not a tuple

    def __reduce__(self: Any) -> tuple[type, tuple[Any, ...]]:
        return cls, (values(self),) if single else values(self)

    cls.__reduce__ = __reduce__  # type: ignore[assignment,method-assign]
    return cls


def quick_init(cls: _Record) -> _Record:
    """Give the frozen slotted dataclass ``cls`` an ``__init__`` that sets each slot
    through its descriptor.

    The one dataclasses writes for a frozen class calls ``object.__setattr__`` by name
    for every field: twice the time, paid for every note, link and position the parser
    makes and the note cache unpickles. Same signature, defaults and factories.
    """
    namespace: dict[str, Any] = {"__missing": _FACTORY}
    parameters = []
    lines = []
    for item in fields(cls):
        if not item.init or item.kw_only:
            raise TypeError(f"quick_init does not handle {cls.__name__}.{item.name}'s options")
        name = item.name
        namespace[f"__set_{name}"] = getattr(cls, name).__set__
        if item.default is not MISSING:
            namespace[f"__default_{name}"] = item.default
            parameters.append(f"{name}=__default_{name}")
        elif item.default_factory is not MISSING:
            namespace[f"__factory_{name}"] = item.default_factory
            parameters.append(f"{name}=__missing")
            lines.append(f"    if {name} is __missing: {name} = __factory_{name}()")
        else:
            parameters.append(name)
        lines.append(f"    __set_{name}(self, {name})")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"quick_init does not call {cls.__name__}.__post_init__")
    source = f"def __init__(self, {', '.join(parameters)}):\n" + "\n".join(lines) + "\n"
    exec(source, namespace)  # noqa: S102 (our own field names, as dataclasses does)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    cls.__init__ = init  # type: ignore[misc]
    return cls


class _Factory:
    def __repr__(self) -> str:
        return "<factory>"  # as dataclasses shows such a default in a signature


_FACTORY = _Factory()


# The contact schema's sources and statuses, here so that the CLI's choices need not load
# the schema (a test checks that both agree).
CONTACT_SOURCES = (
    "family",
    "friend",
    "neighbor",
    "professor",
    "coworker",
    "alumni-directory",
    "linkedin",
    "professional-association",
    "referral",
    "other",
)
CONTACT_STATUSES = (
    "identified",
    "contacted",
    "scheduled",
    "interviewed",
    "thanked",
    "following-up",
    "no-response",
    "declined",
    "closed",
)


class Severity(enum.Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        """The severity named by ``text``; ValueError names the choices."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r} (choose from {choices})") from None


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@compact_pickling
@quick_init
@dataclass(frozen=True, slots=True)
class Link:
    """One link as written in a note.

    ``target`` is the note or file part (``Jane Doe`` in ``[[Jane Doe#Notes|Jane]]``),
    empty for a link to a heading of the same note. ``heading`` holds the heading
    path (``Notes`` or ``A#B``), ``block`` the block id without ``^``.
    """

    target: str
    line: int
    column: int
    heading: str | None = None
    block: str | None = None
    alias: str | None = None
    embed: bool = False
    markdown: bool = False
    """True for ``[text](path.md)`` links (their path is percent-decoded)."""
    in_frontmatter: bool = False
    key: str | None = None
    """The top-level frontmatter key the link sits under, when ``in_frontmatter``."""
    raw: str = ""

    @property
    def subpath(self) -> str:
        if self.block is not None:
            return f"#^{self.block}"
        if self.heading is not None:
            return f"#{self.heading}"
        return ""


@compact_pickling
@quick_init
@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding, in the shape editors and CI understand (flake8/ruff style)."""

    path: str
    line: int
    column: int
    severity: Severity
    code: str
    rule: str
    message: str
    fix: str | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.code, self.message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity.value,
            "code": self.code,
            "rule": self.rule,
            "message": self.message,
            "fix": self.fix,
        }


@compact_pickling
@quick_init
@dataclass(frozen=True, slots=True)
class Position:
    line: int
    column: int


@compact_pickling
@quick_init
@dataclass(frozen=True, slots=True)
class Note:
    """A Markdown file of the vault, parsed.

    ``id`` is the vault-relative POSIX path without ``.md``; ``path`` keeps the
    extension. ``frontmatter`` holds YAML values as loaded (dates stay dates).
    ``positions`` maps a frontmatter path such as ``("referrals", 0)`` to where
    it is written, so that diagnostics can point at the key or the item.
    """

    id: str
    path: str
    frontmatter: dict[str, Any]
    body: str
    links: tuple[Link, ...] = ()
    tags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    headings: tuple[str, ...] = ()
    block_ids: frozenset[str] = frozenset()
    positions: dict[tuple[str | int, ...], Position] = field(default_factory=dict)
    has_frontmatter: bool = False
    frontmatter_valid: bool = True
    """False when the frontmatter could not be read (its diagnostics say why)."""
    is_template: bool = False
    note_type: str | None = None
    type_from_config: bool = False
    """True when ``note_type`` came from a folder, tag or property mapping, not ``type:``."""
    body_line: int = 1
    """The 1-based line of the file on which the body starts."""

    @property
    def title(self) -> str:
        return self.id.rsplit("/", 1)[-1]

    @property
    def folder(self) -> str:
        return self.id.rsplit("/", 1)[0] if "/" in self.id else ""

    def position(self, *keys: str | int) -> Position:
        """Where a frontmatter value is written: the deepest known prefix of ``keys``.

        Falls back to the first line of the file.
        """
        for end in range(len(keys), 0, -1):
            found = self.positions.get(tuple(keys[:end]))
            if found is not None:
                return found
        return Position(1, 1)
