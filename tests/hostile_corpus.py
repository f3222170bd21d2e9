"""The hostile corpus: every odd or malicious thing a vault can contain, as one vault.

``build(root, outside)`` writes it. Most cases are bytes that cannot live in a git
checkout as they are (50 MB files, invalid UTF-8, names that differ only in case, which
macOS and Windows cannot check out, symlinks), so the corpus is code: each case is a
path, its bytes, and why it is here. ``tests/test_hostile.py`` lints the result and
compares the diagnostics with ``tests/fixtures/hostile.expected``.

One ordinary note with one known problem sits among them: it must still be reported,
which proves that nothing hostile stops the rest of the vault from being checked.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MB = 1_000_000
# Created by the unsafe tag's payload if YAML ever executed it.
PWNED = "vault-tools-pwned"


@dataclass(frozen=True)
class Case:
    path: str
    data: Callable[[Path], bytes]
    """The file's bytes; it gets the folder the payload of an unsafe tag would touch."""
    why: str


def text(value: str) -> Callable[[Path], bytes]:
    return lambda _: value.encode("utf-8")


def raw(value: bytes) -> Callable[[Path], bytes]:
    return lambda _: value


def _billion_laughs() -> bytes:
    lines = ['a0: &a0 "lol"']
    for level in range(1, 10):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([previous] * 10)}]")
    return ("---\n" + "\n".join(lines) + "\n---\n").encode()


def _unsafe_tag(folder: Path) -> bytes:
    command = f"touch {folder / PWNED}"
    return f"---\nx: !!python/object/apply:os.system [{command!r}]\n---\n".encode()


def _binary(_: Path) -> bytes:
    return random.Random(8).randbytes(64 * 1024)


def _links_on_one_line(_: Path) -> bytes:
    return ("---\ntype: contact\n---\n" + "see [[Normal Person]] and `code` " * 30_000).encode()


def _code_spans_and_links(_: Path) -> bytes:
    # 8 MB of the lines that once made the code-span scan quadratic (minutes, not seconds).
    return b"Met [[Normal Person]] about `work`, see [site](https://example.com).\n" * 120_000


CASES: tuple[Case, ...] = (
    # -- YAML --------------------------------------------------------------------------
    Case("yaml/alias bomb.md", raw(_billion_laughs()), "billion laughs: 10**9 strings"),
    Case("yaml/deep flow.md", raw(b"---\nx: " + b"[" * 10_000 + b"]" * 10_000 + b"\n---\n"), ""),
    Case("yaml/deep block.md", raw(b"---\nx:\n  " + b"- " * 10_000 + b"x\n---\n"), ""),
    Case("yaml/huge scalar.md", raw(b"---\nname: '" + b"y" * (5 * MB) + b"'\n---\n"), ""),
    Case("yaml/duplicate keys.md", text("---\nname: a\nname: b\n---\n"), ""),
    Case("yaml/python object.md", _unsafe_tag, "must never run: the test checks for PWNED"),
    Case("yaml/tabs.md", text("---\ntype: contact\n\tstatus: identified\n---\n"), ""),
    Case("yaml/no closer.md", text("---\ntype: contact\nname: Nobody\n\nBody text.\n"), ""),
    Case(
        "yaml/dashes in code.md",
        text("Intro\n\n```yaml\n---\nkey: [unclosed\n---\n```\n\n---\n\nAfter a rule.\n"),
        "--- that is no frontmatter",
    ),
    # -- files -------------------------------------------------------------------------
    Case("files/empty.md", raw(b""), ""),
    Case("files/fifty megabytes.md", raw(b"word " * (10 * MB)), "over max_note_mb"),
    Case("files/binary.md", _binary, "random bytes, NULs included"),
    Case("files/invalid utf8.md", raw(b"---\nname: caf\xe9\n---\nok\n"), ""),
    Case("files/utf16.md", raw("\ufeff---\nname: x\n---\n".encode("utf-16")), ""),
    Case("files/nul.md", raw(b"line one\nline\x00two\n"), ""),
    Case("files/cr only.md", raw(b"---\rtype: contact\rstatus: wrong\r---\rbody\r"), ""),
    Case("files/long line.md", _links_on_one_line, "one 1 MB line with 30,000 links"),
    Case("files/many spans.md", _code_spans_and_links, "8 MB: 120,000 code spans and links"),
    Case("files/" + "n" * 240 + ".md", text("A name of 243 bytes.\n"), ""),
    Case("files/emoji \U0001f984 name.md", text("Links to [[emoji 🦄 name]] resolve.\n"), ""),
    Case("files/ leading space.md", text("A name that starts with a space.\n"), ""),
    Case("files/.hidden.md", text("---\n: [\n---\n"), "hidden: never read, never reported"),
    Case("files/new\nline.md", text("A name with a line break.\n"), ""),
    Case("files/Twin.md", text("Case twin.\n"), ""),
    Case("files/twin.md", text("Case twin.\n"), ""),
    Case("files/Caf\u00e9.md", text("Composed.\n"), ""),
    Case("files/Cafe\u0301.md", text("Decomposed.\n"), ""),
    # -- an ordinary note, which must still be checked ---------------------------------------
    Case(
        "contacts/Normal Person.md",
        text("---\ntype: contact\nstatus: interviwed\nsource: friend\n---\n# Notes\n"),
        "one known problem: the status",
    ),
)

# Symlinks (name -> target, relative to the vault; "OUTSIDE" is a file beyond it).
SYMLINKS = {
    "fs/loop": ".",
    "fs/parent loop": "..",
    "fs/to normal.md": "../contacts/Normal Person.md",
    "fs/dangling.md": "gone.md",
    "fs/outside.md": "OUTSIDE",
}


def build(root: Path, outside: Path) -> Path:
    """Write the corpus into ``root``; ``outside`` is a folder beyond the vault."""
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "secret.md").write_text("---\nsecret: yes\n---\n")
    for case in CASES:
        path = root / case.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(case.data(outside))
    # A name whose bytes are not UTF-8 (possible on Linux; Python sees lone surrogates).
    (root / os.fsdecode(b"files/bad \xff name.md")).write_text("---\nname: x\n---\n")
    for name, target in SYMLINKS.items():
        link = root / name
        link.parent.mkdir(parents=True, exist_ok=True)
        destination = outside / "secret.md" if target == "OUTSIDE" else Path(target)
        os.symlink(destination, link)
    return root
