"""A vault: the notes of a folder tree, parsed, typed and ready to resolve links.

``Vault.load`` is the only place that reads the tree; everything downstream works on
the Notes it holds. ``update`` re-reads only the paths that changed (for ``watch``).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vault_tools import forked
from vault_tools.collector import gc_paused
from vault_tools.config import DEFAULT_TEMPLATES, Config, load_config
from vault_tools.errors import VaultError
from vault_tools.links import LinkResolver, Resolution, normalize
from vault_tools.listing import (
    Listing,
    Stamp,
    find_root,
    is_inside,
    is_utf8,
    kind_of,
    list_vault,
    relative_to,
)
from vault_tools.model import Diagnostic, Link, Note, compact_pickling, quick_init
from vault_tools.rules.registry import diagnostic

if TYPE_CHECKING:
    from vault_tools.note_cache import NoteCache

__all__ = ["Vault", "VaultError", "find_vault_root"]


class Vault:
    def __init__(self, root: Path, config: Config, follow_symlinks: bool = False) -> None:
        self.root = root
        self.config = config
        self.follow_symlinks = follow_symlinks or config.follow_symlinks
        """Whether symlinks that lead inside the vault are read (never those leading out)."""
        self.notes: dict[str, Note] = {}
        """Notes by id (vault-relative path without ``.md``), in path order."""
        self.attachments: set[str] = set()
        """Vault-relative paths of the files that are not notes (images, PDFs, ...)."""
        self.read_diagnostics: dict[str, list[Diagnostic]] = {}
        """What reading each file found, by vault-relative path."""
        self.undecodable_names: dict[str, Diagnostic] = {}
        """Files and folders whose names are not UTF-8 (as Python holds such names, with
        lone surrogates), which are not read."""
        self.followed_links: dict[str, str] = {}
        """The symlinks the last listing followed (with ``follow_symlinks``): the vault-relative
        path of each, and that of the file or folder it leads to."""
        self._listed_folders: set[str] = set()
        """The folders the last listing entered, through links or not (vault-relative)."""
        self._links_met: dict[str, tuple[str, str]] = {}
        """Every symlink the last listing met (with ``follow_symlinks``), followed or not: where
        it led and what was there then (see ``_links_changed``)."""
        self.templates_folder = _templates_folder(root, config)
        self.read_started: float | None = None
        """When ``load`` began to read the files (``time.time()``), if it did."""
        self.last_listing: Listing | None = None
        """What the last listing found (see ``walk_files``)."""
        self._ignored = (
            re.compile(
                "|".join(f"(?:{_glob_regex(glob).pattern})" for glob in config.ignore),
                re.IGNORECASE,
            )
            if config.ignore
            else None
        )

    @classmethod
    def load(
        cls,
        root: str | os.PathLike[str],
        config: Config | None = None,
        *,
        follow_symlinks: bool = False,
        workers: int = 1,
        note_cache: bool = False,
    ) -> Vault:
        """Read every note under ``root``. Raises VaultError, or ConfigError for a bad config.

        ``follow_symlinks`` (or the config's ``follow_symlinks``) reads the notes behind
        symlinks that lead inside the vault; by default symlinks are skipped. ``workers``
        above 1 parses a large vault in that many processes (forked, on POSIX, when no
        other thread runs; otherwise, or if a worker fails, in this one). ``note_cache``
        reuses the parses remembered in the user's cache folder for the notes whose stamp
        (size and times) is unchanged, and remembers the others (see note_cache.py).
        """
        root_path = Path(root)
        if not root_path.exists():
            raise VaultError(f"{root_path}: no such folder")
        if not root_path.is_dir():
            raise VaultError(f"{root_path}: is not a folder")
        vault = cls(
            root_path,
            config if config is not None else load_config(root_path),
            follow_symlinks=follow_symlinks,
        )
        vault.read(vault.list_files(), workers=workers, note_cache=note_cache)
        return vault

    def list_files(self) -> list[tuple[str, Stamp | None]]:
        """``walk_files`` at once: where reading the vault starts (see ``read``)."""
        self.read_started = time.time()
        return list(self.walk_files())

    def read(
        self,
        files: list[tuple[str, Stamp | None]],
        *,
        workers: int = 1,
        note_cache: bool = False,
    ) -> None:
        """Read the notes among ``files``, as ``list_files`` gave them, into this vault, which
        has read none yet; the others are its attachments. (``load`` lists and reads; a
        caller that needs the listing first, to fingerprint it, lists once and reads.)"""
        notes: list[tuple[str, Stamp | None]] = []
        for relative, stamp in sorted(files, key=_path_of):
            if relative.lower().endswith(".md"):
                notes.append((relative, stamp))
            else:
                self.attachments.add(relative)
        cache = None
        with gc_paused():  # (reading the note cache, too, makes millions of objects)
            if note_cache:
                from vault_tools.note_cache import NoteCache

                cache = NoteCache.for_vault(self)
            self._read_notes(notes, workers, cache)
        if cache is not None:
            cache.save()

    # -- reading ---------------------------------------------------------------

    def walk_files(self) -> Iterator[tuple[str, Stamp | None]]:
        """Every file of the vault (hidden and ignored ones aside) with its stamp, or None
        when that cannot be had (see ``listing.list_vault``, which says which symlinks are
        followed). Folders that cannot be listed and names that are not UTF-8 are recorded
        as diagnostics."""
        found = list_vault(os.fspath(self.root), self._ignored, self.follow_symlinks)
        for folder, why in found.unreadable.items():
            self._record(
                folder or ".",
                diagnostic(
                    "unreadable-file",
                    folder or ".",
                    1,
                    1,
                    f"folder cannot be read: {why}",
                    "fix the folder's permissions, or add it to `ignore`",
                ),
            )
        for relative in found.undecodable:
            self._report_undecodable_name(relative)
        self.last_listing = found
        self.followed_links = found.followed_links
        self._listed_folders = found.listed_folders
        self._links_met = found.links_met
        return iter(found.files)

    def _report_undecodable_name(self, relative: str) -> None:
        """A name the file system holds as bytes that are not UTF-8: shown with U+FFFD
        and left unread, since no link, index or output could name it faithfully."""
        shown = os.fsencode(relative).decode("utf-8", "replace")
        self.undecodable_names[relative] = diagnostic(
            "invalid-encoding",
            shown,
            1,
            1,
            "the name is not UTF-8 text, so it was not read",
            "rename it (the replacement character \ufffd marks the bad bytes)",
        )

    @property
    def ignore_pattern(self) -> str | None:
        """The regular expression (case-insensitive) of the config's ``ignore`` globs."""
        return self._ignored.pattern if self._ignored is not None else None

    def is_ignored(self, relative: str) -> bool:
        return self._ignored is not None and self._ignored.match(relative) is not None

    def is_template(self, relative: str) -> bool:
        folder = self.templates_folder
        return bool(folder) and normalize(relative).startswith(normalize(folder) + "/")

    def _read_note(self, relative: str) -> None:
        self._store(relative, self._read_file(relative))

    def _read_notes(
        self,
        files: list[tuple[str, Stamp | None]],
        workers: int,
        cache: NoteCache | None = None,
    ) -> None:
        """Read and parse ``files`` (in order, so that notes stay sorted by path), taking
        from ``cache`` the parses of the files it remembers unchanged."""
        reads: list[FileRead | None] = [None] * len(files)
        if cache is not None:
            for index, (relative, stamp) in enumerate(files):
                if stamp is not None:
                    reads[index] = cache.recall(relative, stamp)
        unread = [index for index, read in enumerate(reads) if read is None]
        parsed = self._read_files([files[index][0] for index in unread], workers)
        for index, read in zip(unread, parsed, strict=True):
            reads[index] = read
            stamp = files[index][1]
            if cache is not None and stamp is not None and (read.note or read.too_large):
                cache.remember(files[index][0], stamp, read)
        for (relative, _), found in zip(files, reads, strict=True):
            assert found is not None
            self._store(relative, found)

    def _read_files(self, relatives: list[str], workers: int) -> list[FileRead]:
        """Read and parse ``relatives``, in ``workers`` processes when there are many."""
        chunks = [relatives]
        if workers > 1 and len(relatives) >= forked.PARALLEL_MIN_NOTES and forked.can_fork():
            size = -(-len(relatives) // workers)
            chunks = [relatives[start : start + size] for start in range(0, len(relatives), size)]
        children = [forked.start(partial(self._read_in_batches, chunk)) for chunk in chunks[1:]]
        receivers = [forked.Receiver(child) if child else None for child in children]
        try:
            reads = [self._read_file(relative) for relative in chunks[0]]
        except BaseException:  # (reading never raises; an interrupt or no memory can)
            for receiver in receivers:
                if receiver is not None:
                    receiver.abandon()
            raise
        for chunk, receiver in zip(chunks[1:], receivers, strict=True):
            received = receiver.result() if receiver is not None else None
            if received is None or len(received) != len(chunk):  # the child failed: read here
                received = [self._read_file(relative) for relative in chunk]
            reads.extend(received)
        return reads

    def _read_in_batches(self, relatives: list[str]) -> Iterator[list[FileRead]]:
        for start in range(0, len(relatives), _BATCH):
            yield [self._read_file(relative) for relative in relatives[start : start + _BATCH]]

    def _read_file(self, relative: str) -> FileRead:
        """Read, parse and type one note; what this finds, without changing the vault."""
        limit = int(self.config.max_note_mb * 1_000_000)
        try:
            data = read_at_most(os.path.join(self.root, relative), limit + 1)
        except FileNotFoundError:
            return FileRead()  # removed between listing and reading: it is simply gone
        except OSError as error:
            return FileRead(
                diagnostics=[
                    diagnostic(
                        "unreadable-file",
                        relative,
                        1,
                        1,
                        f"note cannot be read: {error.strerror or error}",
                        "fix the file's permissions, or add it to `ignore`",
                    )
                ]
            )
        if len(data) > limit:
            # Still a file that links can reach, but never parsed: time and memory stay
            # bounded whatever lands in the vault.
            return FileRead(
                too_large=True,
                diagnostics=[
                    diagnostic(
                        "note-too-large",
                        relative,
                        1,
                        1,
                        f"more than {self.config.max_note_mb:g} MB: not read, checked or indexed",
                        "move it out of the vault, or raise `max_note_mb` in .vault-tools.toml",
                    )
                ],
            )
        from vault_tools.parse import parse_note  # YAML loads only when a note is read

        result = parse_note(relative, data, template=self.is_template(relative), types=self.type_of)
        return FileRead(result.note, result.diagnostics)

    def _store(self, relative: str, read: FileRead) -> None:
        if read.too_large:
            self.attachments.add(relative)
        if read.note is not None:
            note = read.note
            self.notes[note.id] = note
            self.read_diagnostics[relative] = read.diagnostics
            return
        for found in read.diagnostics:
            self._record(relative, found)

    def _record(self, relative: str, found: Diagnostic) -> None:
        self.read_diagnostics.setdefault(relative, []).append(found)

    def typed(self, note: Note) -> Note:
        """``note`` with its type as this vault's config decides it."""
        if note.is_template:
            return note
        note_type, from_config = self.type_of(note.id, note.frontmatter, note.tags)
        if note_type is None:
            return note
        return replace(note, note_type=note_type, type_from_config=from_config)

    def type_of(
        self, note_id: str, frontmatter: dict[str, Any], tags: tuple[str, ...]
    ) -> tuple[str | None, bool]:
        """The type of the note ``note_id`` with this frontmatter and these tags, and whether
        the config gave it (a folder, tag or property mapping) rather than its own ``type:``."""
        config = self.config
        declared = frontmatter.get(config.type_key)
        if isinstance(declared, str) and declared.strip():
            return declared.strip(), config.type_key != "type"
        note_id = normalize(note_id)
        folders = [
            folder
            for folder in config.type_folders
            if not folder or note_id.startswith(normalize(folder) + "/")
        ]
        if folders:
            return config.type_folders[max(folders, key=len)], True
        for tag in tags:
            type_name = config.type_tags.get(tag.casefold())
            if type_name is not None:
                return type_name, True
        for match in config.type_matches:
            if _value_matches(frontmatter.get(match.key), match.value):
                return match.type, True
        return None, False

    # -- incremental -------------------------------------------------------------

    _sorted_notes: dict[str, Note] | None = None
    """``notes`` as ``update`` last left it, sorted by path: while ``notes`` is still that
    dict and no note was added to it, it is still sorted."""

    def update(self, paths: Iterable[str | os.PathLike[str]]) -> set[str]:
        """Re-read the given files (changed, created or deleted); returns the vault-relative
        paths that were affected."""
        affected: set[str] = set()
        added = False  # a note that was not there: it comes last, out of order
        moved = False  # a path came or went: links may resolve differently
        root_real = os.path.realpath(self.root)
        relisted = self._relist() if self._links_changed() else []
        # (vault-relative path, the real path of its file): a file several given paths
        # lead to is read once.
        todo: dict[str, str] = {}
        for path in [*paths, *relisted]:
            absolute = (
                os.path.realpath(self.root / path)
                if not os.path.isabs(path)
                else os.path.realpath(path)
            )
            if not is_inside(root_real, absolute):
                continue
            relative = relative_to(root_real, absolute)
            # A file behind a followed symlink is in the vault at each path that leads to it.
            for listed in (relative, *self._copies_through_links(relative)):
                todo.setdefault(listed, absolute)
        for relative in relisted:  # a path that went with its link resolves elsewhere now
            todo.setdefault(relative, os.path.realpath(os.path.join(self.root, relative)))
        for relative, absolute in todo.items():
            gone, note_added, note_moved = self._update_path(relative, absolute)
            affected |= gone
            added = added or note_added
            moved = moved or note_moved
        if affected:
            if added or self.notes is not self._sorted_notes:
                self.notes = self._sorted_notes = dict(
                    sorted(self.notes.items(), key=_by_path)  # the order load gives them
                )
            if (
                (moved or added)
                and "resolver" in self.__dict__
                and self._resolved_paths != self._file_paths()
            ):
                # Resolution is a function of the paths alone: the resolver (and what it
                # resolved) stays while they stay the same, as when a note was edited.
                del self.__dict__["resolver"]
            self.__dict__.pop("notes_by_alias", None)
        return affected

    def _update_path(self, relative: str, absolute: str) -> tuple[set[str], bool, bool]:
        """Re-read the file the vault lists at ``relative``, which is (or was) at real path
        ``absolute``: the paths affected, whether a note came that was not there, and
        whether a path came or went."""
        if any(part.startswith(".") for part in relative.split("/")) or self.is_ignored(relative):
            return set(), False, False
        if not is_utf8(relative):
            self.undecodable_names.pop(relative, None)
            if os.path.lexists(absolute):
                self._report_undecodable_name(relative)
            return set(), False, False
        if os.path.isdir(absolute):
            return set(), False, False  # a folder stands for its files, which the caller lists
        exists = os.path.isfile(absolute)
        note_id = relative[:-3] if relative.lower().endswith(".md") else None
        was_note = note_id is not None and note_id in self.notes
        was_attachment = relative in self.attachments
        if not (exists or was_note or was_attachment or relative in self.read_diagnostics):
            # A folder that is gone takes its notes with it; a path that came and went (an
            # editor's temporary file) changed nothing.
            gone = self._forget_folder(relative)
            return gone, False, bool(gone)
        added = False
        self.read_diagnostics.pop(relative, None)
        self.attachments.discard(relative)  # a note too large to read is kept there
        if note_id is not None:
            read = self._read_file(relative) if exists else None
            note = read.note if read is not None else None
            if note is None or note.id != note_id:
                self.notes.pop(note_id, None)
            if note is not None and note.id not in self.notes:
                added = True
            if read is not None:
                # A note read again takes the place of its old self: the order stays.
                self._store(relative, read)
        elif exists:
            self.attachments.add(relative)
        is_note = note_id is not None and note_id in self.notes
        moved = (is_note, relative in self.attachments) != (was_note, was_attachment)
        return {relative}, added, moved

    def _copies_through_links(self, relative: str) -> list[str]:
        """The other paths at which the vault lists the file or folder at real path
        ``relative``: through the symlinks the listing followed (see ``followed_links``)."""
        if not self.followed_links:
            return []
        root = os.fspath(self.root)
        for removed in [
            link for link in self.followed_links if not os.path.islink(os.path.join(root, link))
        ]:
            del self.followed_links[removed]  # the link is gone since the listing
        copies: list[str] = []
        pending = [relative]
        while pending and len(copies) < _MOST_COPIES:
            path = pending.pop()
            for link, target in self.followed_links.items():
                if path == target or path.startswith(target + "/"):
                    copy = link + path[len(target) :]
                    folder = copy.rsplit("/", 1)[0] if "/" in copy else ""
                    if copy != relative and copy not in copies and self._would_list(folder):
                        copies.append(copy)
                        pending.append(copy)
        return copies

    def _links_changed(self) -> bool:
        """Whether a symlink the last listing met is gone, leads elsewhere, or finds
        something else where it leads (a folder made where a link pointed nowhere)."""
        root = os.fspath(self.root)
        for relative, (real, kind) in self._links_met.items():
            path = os.path.join(root, relative)
            if not os.path.islink(path):
                return True
            now = os.path.realpath(path)
            if now != real or kind_of(now) != kind:
                return True
        return False

    def _relist(self) -> list[str]:
        """List the vault again (its symlinks changed, and with them which paths lead to
        which files): the vault-relative paths that came or went."""
        known = {note.path for note in self.notes.values()} | self.attachments
        listed = {relative for relative, _ in self.walk_files()}
        return sorted(listed ^ known)

    def _would_list(self, folder: str) -> bool:
        """Whether the last listing entered ``folder`` (it enters a folder through a link
        once, and never inside itself), or would now: a folder made since inside one it
        entered. A symlink made since is followed from the next listing."""
        root = os.fspath(self.root)
        while folder not in self._listed_folders:
            path = os.path.join(root, folder)
            if not folder or os.path.islink(path) or not os.path.isdir(path):
                return False
            folder = folder.rsplit("/", 1)[0] if "/" in folder else ""
        return True

    def _forget_folder(self, relative: str) -> set[str]:
        prefix = relative + "/"
        gone = {note.path for note in self.notes.values() if note.path.startswith(prefix)}
        gone |= {path for path in self.attachments if path.startswith(prefix)}
        for path in gone:
            if path.lower().endswith(".md"):
                self.notes.pop(path[:-3], None)
            self.attachments.discard(path)
            self.read_diagnostics.pop(path, None)
        return gone

    # -- questions ---------------------------------------------------------------

    @cached_property
    def resolver(self) -> LinkResolver:
        self._resolved_paths = self._file_paths()
        return LinkResolver([note.path for note in self.notes.values()] + sorted(self.attachments))

    def _file_paths(self) -> frozenset[str]:
        return frozenset([note.path for note in self.notes.values()]) | self.attachments

    @cached_property
    def notes_by_alias(self) -> dict[str, list[Note]]:
        by_alias: dict[str, list[Note]] = {}
        for note in self.notes.values():
            for alias in note.aliases:
                by_alias.setdefault(normalize(alias), []).append(note)
        return by_alias

    def resolve(self, link: Link, source: Note) -> Resolution:
        return self.resolver.resolve(link.target, source.path, markdown=link.markdown)

    def note_at(self, path: str | None) -> Note | None:
        """The note stored at vault-relative ``path`` (with ``.md``), if it is a note."""
        if path is None or not path.lower().endswith(".md"):
            return None
        return self.notes.get(path[:-3])

    def linked_note(self, link: Link, source: Note) -> Note | None:
        """The note ``link`` leads to, when it resolves to exactly one note."""
        return self.note_at(self.resolve(link, source).path)

    def find_notes(self, name: str, note_type: str | None = None) -> list[Note]:
        """Notes whose id, title or alias is ``name`` (any case), of ``note_type`` if given;
        templates aside."""
        wanted = normalize(name.strip())
        return [
            note
            for note in self.notes.values()
            if not note.is_template
            and (note_type is None or note.note_type == note_type)
            and wanted
            in {normalize(note.id), normalize(note.title)} | {normalize(a) for a in note.aliases}
        ]

    def notes_of_type(self, note_type: str) -> list[Note]:
        return [note for note in self.notes.values() if note.note_type == note_type]

    def diagnostics_from_reading(self) -> list[Diagnostic]:
        found = [
            item for path in sorted(self.read_diagnostics) for item in self.read_diagnostics[path]
        ]
        return found + [self.undecodable_names[name] for name in sorted(self.undecodable_names)]


def _templates_folder(root: Path, config: Config) -> str:
    if config.templates is not None:
        return config.templates
    settings = root / ".obsidian" / "templates.json"
    try:
        folder = json.loads(settings.read_text(encoding="utf-8")).get("folder")
    except (OSError, ValueError, AttributeError):
        folder = None
    if isinstance(folder, str) and folder.strip("/ "):
        return folder.strip("/ ")
    return DEFAULT_TEMPLATES


@compact_pickling
@quick_init
@dataclass(frozen=True, slots=True)
class FileRead:
    """What reading one Markdown file found: a note, diagnostics, or nothing (gone)."""

    note: Note | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    too_large: bool = False


_BATCH = 200
"""Notes a reading child pickles at a time."""


_MOST_COPIES = 64
"""Paths through symlinks at which one file is looked for, at most (links to links...)."""


def read_at_most(path: str, most: int) -> bytes:
    """The first ``most`` bytes of the file at ``path`` (all of it, when smaller).

    Read with the descriptor alone, no file object (a third of the cost of reading a
    small note), asking for the file's size, not ``most``: ``file.read(most)`` allocates
    ``most`` bytes, megabytes, for every note. A file that grows while it is read is read
    on, up to ``most``.
    """
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        size = os.fstat(descriptor).st_size
        parts = []
        total = 0
        while total < most:
            # One byte more than the size, so that the first read finds the end; past the
            # size (the file grew), a block at a time.
            wanted = size - total + 1 if total <= size else 1 << 16
            part = os.read(descriptor, min(wanted, most - total))
            if not part:
                break
            parts.append(part)
            total += len(part)
    finally:
        os.close(descriptor)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _path_of(item: tuple[str, Any]) -> str:
    return item[0]


def _by_path(item: tuple[str, Note]) -> str:
    return item[1].path


def _value_matches(value: Any, expected: Any) -> bool:
    if isinstance(value, list):
        return any(_value_matches(item, expected) for item in value)
    if isinstance(value, str) and isinstance(expected, str):
        return normalize(value.strip()) == normalize(expected.strip())
    return bool(value == expected)


def _glob_regex(glob: str) -> re.Pattern[str]:
    """Match a vault-relative path against a gitignore-like glob.

    A glob without ``/`` matches a file or folder name at any depth; one with ``/``
    matches from the vault root. ``**`` spans folders. A match on a folder covers
    everything inside it.
    """
    pattern = glob.strip().strip("/")
    anchored = "/" in pattern
    parts: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
            continue
        if pattern.startswith("**", index):
            parts.append(".*")
            index += 2
            continue
        parts.append({"*": "[^/]*", "?": "[^/]"}.get(char, re.escape(char)))
        index += 1
    body = "".join(parts)
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(f"^{prefix}{body}(?:/.*)?$", re.IGNORECASE)


def find_vault_root(start: str | os.PathLike[str]) -> Path:
    """The nearest folder from ``start`` upwards that holds ``.vault-tools.toml`` or
    ``.obsidian/``, the way git finds its repository; ``start`` itself when none does."""
    return Path(find_root(os.fspath(start)))
