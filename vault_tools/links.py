"""Resolve links to files the way Obsidian does, as a pure function of the vault's paths.

Obsidian's order: a link that is a vault path wins; then a file in the linking
note's own folder; then, among files with that name (and that folder suffix, for
``[[folder/Name]]``), the one closest to the vault root. Names compare without
regard to case or Unicode normalization, and ``.md`` is optional for notes.
"""

from __future__ import annotations

import posixpath
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass


def normalize(text: str) -> str:
    """The form in which Obsidian compares paths: NFC and case-insensitive."""
    return unicodedata.normalize("NFC", text).casefold()


def _key(path: str) -> str:
    """Lookup key of a vault file: normalized path, without ``.md`` for notes."""
    key = normalize(path)
    return key[:-3] if key.endswith(".md") else key


@dataclass(frozen=True)
class Resolution:
    """Where a link leads: one path, several equally good ones, or none."""

    path: str | None = None
    candidates: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return self.path is None and len(self.candidates) > 1

    @property
    def broken(self) -> bool:
        return self.path is None and not self.candidates


class LinkResolver:
    """Resolves link targets against a fixed set of vault-relative POSIX file paths."""

    def __init__(self, paths: Iterable[str]) -> None:
        self._by_key: dict[str, list[str]] = defaultdict(list)
        self._by_name: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._cache: dict[tuple[str, str, bool], Resolution] = {}
        for path in paths:
            key = _key(path)
            self._by_key[key].append(path)
            self._by_name[key.rsplit("/", 1)[-1]].append((key, path))

    def resolve(self, target: str, source_path: str, *, markdown: bool = False) -> Resolution:
        """Resolve ``target`` as written in the note at ``source_path``.

        An empty target is the note itself (``[[#Heading]]``). A target that starts
        with ``./`` or ``../`` (Obsidian's "relative path" link format) is relative to
        the note's folder only.
        """
        if not target:
            return Resolution(source_path)
        folder = source_path.rpartition("/")[0]
        # Many links share a target: resolve each (target, folder) once.
        cache_key = (target, folder, markdown)
        cached = self._cache.get(cache_key)
        if cached is None:
            cached = self._cache[cache_key] = self._resolve(target, folder, markdown)
        return cached

    def _resolve(self, target: str, folder: str, markdown: bool) -> Resolution:
        written = target.strip().replace("\\", "/")
        if written.startswith(("./", "../")):
            joined = posixpath.normpath(posixpath.join(folder, written))
            if joined.startswith("../") or joined == "..":
                return Resolution()
            same_path = self._by_key.get(_key(joined), [])
            return self._pick(same_path, joined) or Resolution(candidates=tuple(sorted(same_path)))
        written = written.lstrip("/")
        key = _key(written)

        exact = self._by_key.get(key)
        if exact:
            return self._pick(exact, written) or Resolution(candidates=tuple(sorted(exact)))
        if folder:
            same_folder = self._by_key.get(_key(f"{folder}/{written}"))
            if same_folder:
                return self._pick(same_folder, written) or Resolution(
                    candidates=tuple(sorted(same_folder))
                )
        name = key.rsplit("/", 1)[-1]
        suffix = "/" + key
        matches = [
            path for key, path in self._by_name.get(name, []) if ("/" + key).endswith(suffix)
        ]
        if not matches:
            return Resolution()
        if len(matches) == 1:  # the usual case, without the search for the closest below
            return Resolution(matches[0])
        shallowest = min(path.count("/") for path in matches)
        closest = [path for path in matches if path.count("/") == shallowest]
        return self._pick(closest, written) or Resolution(candidates=tuple(sorted(closest)))

    @staticmethod
    def _pick(paths: list[str], written: str) -> Resolution | None:
        """The single path among equally good ``paths``, preferring an exact-case match."""
        if len(paths) == 1:
            return Resolution(paths[0])
        exact_case = [p for p in paths if _strip_md(p).endswith(_strip_md(written))]
        if len(exact_case) == 1:
            return Resolution(exact_case[0])
        return None


def _strip_md(path: str) -> str:
    path = unicodedata.normalize("NFC", path)
    return path[:-3] if path.lower().endswith(".md") else path


def normalize_heading(heading: str) -> str:
    """Headings compare ignoring case, punctuation and repeated spaces, as Obsidian's links do."""
    kept = "".join(ch if ch.isalnum() else " " for ch in normalize(heading))
    return " ".join(kept.split())
