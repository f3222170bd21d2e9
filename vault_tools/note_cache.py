"""Parsed notes remembered between runs, so that a lint after editing one note parses one.

Each entry is one note's parse (its ``FileRead``: the note, typed, and what reading it
found), keyed by the note's vault-relative path and its file's stamp (size, modification
and status change times). The entries are spread over a few shard files, each also keyed
by the settings a parse depends on (the tool's code, the size limit, the templates
folder and the rules that give notes their types): any difference and the shard is
ignored. A corrupt, partial or foreign shard is ignored and replaced, never trusted and
never fatal.

A shard is one stream of pickles, read back by an unpickler that makes only the tool's
own records and plain values (dates, sets...), so that even a tampered file cannot run
code. The stream shares one memo: what the notes of a shard have in common (keys, paths,
positions, short values, which the parser already shares: see ``parse._shared``) is
written once and made once, not once per note. Reading a vault's notes back takes a
quarter less time than with a pickle per note, and they keep that sharing, which saves
about a third of a lint's memory after one edit (at 50,000 notes without a large Home
note, it peaked at 630 MB with a pickle per note, and peaks at 400 MB). The price: a
shard is pickled again whole when one of its notes changes (10 ms for the 1/SHARDS of a
vault of 20,000 notes), where a pickle per note let its bytes be copied.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import time
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vault_tools.model import Note
from vault_tools.user_cache import cache_file, code_stamp, prune_unused
from vault_tools.vault import FileRead

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import IO

    from vault_tools.listing import Stamp
    from vault_tools.vault import Vault

FORMAT = 3

RACY_SECONDS = 2.0
"""A file changed this recently could change again within the same timestamp tick,
unseen; its parse is used for this run but not remembered."""

_Entry = tuple["Stamp", "FileRead | bytes"]
"""A remembered note: the stamp of its file (see ``listing.Stamp``) and its FileRead, or, for
a large note (see ``MEMO_UP_TO``), its FileRead pickled on its own."""


_ALLOWED = {
    "builtins": {"set", "frozenset", "complex", "bytearray"},
    "datetime": {"date", "datetime", "time", "timedelta", "timezone"},
    "vault_tools.model": {"Note", "Link", "Position", "Diagnostic", "Severity"},
    "vault_tools.vault": {"FileRead"},
}


class _RecordsOnly(pickle.Unpickler):
    _found: dict[tuple[str, str], Any] = {}

    def find_class(self, module: str, name: str) -> Any:
        found = self._found.get((module, name))
        if found is None:
            if name not in _ALLOWED.get(module, ()):
                raise pickle.UnpicklingError(f"{module}.{name} is not a cached record")
            found = self._found[module, name] = super().find_class(module, name)
        return found


MEMO_UP_TO = 5_000
"""Links and positions above which a note is pickled on its own (not in its shard's
stream, whose memo would hold all of it), without a memo."""


def _is_large(read: FileRead) -> bool:
    note = read.note
    return note is not None and len(note.links) + len(note.positions) > MEMO_UP_TO


def _pickled(read: FileRead) -> bytes:
    """``read`` as a pickle of its own. The memo (which writes a repeated object, or class,
    once) indexes every object, and keeps alive what was made to pickle it: a large note
    (the Home note of 250,000 links would need 100 MB more) is pickled without it. Without
    a memo, objects met twice (a YAML alias) are written twice; one that contains itself
    cannot be."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, 5)
    pickler.fast = _is_large(read)
    pickler.dump(read)
    return buffer.getvalue()


def _unpickle(data: bytes) -> Any:
    return _RecordsOnly(io.BytesIO(data)).load()


class NoteCache:
    """The parses remembered for one vault, and those this run adds to them.

    They are kept in SHARDS files of one folder, each note's in the file its path hashes
    to, so that a run that parsed a few notes again rewrites a few files, not all.
    """

    def __init__(self, folder: Path, settings: dict[str, Any], shards: list[dict[str, _Entry]]):
        self.folder = folder
        self.settings = settings
        self._remembered = shards
        self._kept: dict[str, _Entry] = {}
        """Entries to write back: those recalled this run (files that still exist)."""
        self._fresh: dict[str, tuple[Stamp, FileRead]] = {}
        self.recalled = 0

    @classmethod
    def for_vault(cls, vault: Vault) -> NoteCache:
        """The cache of ``vault``'s folder, for parses made with its settings."""
        config = vault.config
        settings = {
            "code": code_stamp(),
            "max_note_mb": config.max_note_mb,
            "templates": vault.templates_folder,
            # The notes are remembered typed (see Vault.typed): by the same rules only.
            "types": repr(
                (config.type_key, config.type_folders, config.type_tags, config.type_matches)
            ),
        }
        return cls.open(cache_file(vault.root, "notes", "d"), settings)

    @classmethod
    def open(cls, folder: Path, settings: dict[str, Any]) -> NoteCache:
        """The cache in ``folder``, of the shard files written with the same ``settings``.

        A shard file is a stream of pickles: the header, one ``(path, stamp, FileRead)``
        record per note (or ``(path, stamp, bytes)``: see ``_Entry``), and None to close
        it (a file cut short has no None, and is not used). The stream shares one memo
        up to a False, which starts another (see ``MEMO_SPAN``).
        """
        header = {"format": FORMAT, **settings}
        return cls(folder, header, [_read_shard(folder, n, header) for n in range(SHARDS)])

    def recall(self, relative: str, stamp: Stamp) -> FileRead | None:
        """The remembered parse of ``relative`` if its file has the same ``stamp``."""
        entry = self._remembered[_shard_of(relative)].get(relative)
        if entry is None or entry[0] != stamp:
            return None
        read = entry[1]
        if type(read) is bytes:  # a large note, pickled on its own
            try:
                read = _unpickle(read)
            except Exception:  # noqa: BLE001 - a damaged entry is parsed again
                return None
        if not _is_file_read(relative, read):  # a tampered entry is parsed again
            return None
        self._kept[relative] = entry
        self.recalled += 1
        return read  # type: ignore[return-value]

    def remember(self, relative: str, stamp: Stamp, read: FileRead) -> None:
        self._fresh[relative] = (stamp, read)

    def save(self) -> None:
        """Rewrite the shards whose entries changed this run; a shard that cannot be
        written is simply not written. Concurrent runs: the last complete file wins."""
        settled_before = (time.time() - RACY_SECONDS) * 1e9
        kept: list[dict[str, _Entry]] = [{} for _ in range(SHARDS)]
        fresh: list[list[tuple[str, tuple[Stamp, FileRead]]]] = [[] for _ in range(SHARDS)]
        for relative, entry in self._kept.items():
            kept[_shard_of(relative)][relative] = entry
        for relative, remembered in self._fresh.items():
            if remembered[0][1] < settled_before:  # (the file's modification time)
                fresh[_shard_of(relative)].append((relative, remembered))
        written = False
        for shard in range(SHARDS):
            if fresh[shard] or kept[shard].keys() != self._remembered[shard].keys():
                self._write_shard(shard, kept[shard], fresh[shard])
                written = True
        with contextlib.suppress(OSError):
            os.utime(self.folder)  # in use: see prune_unused
        if written:
            prune_unused(self.folder.parent)

    def _write_shard(
        self,
        shard: int,
        kept: dict[str, _Entry],
        fresh: list[tuple[str, tuple[Stamp, FileRead]]],
    ) -> None:
        temporary = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            import tempfile  # only here: it loads shutil, bz2, lzma and random

            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                try:
                    _write_stream(out, self.settings, _records(kept, fresh))
                except _UNPICKLABLE:
                    # A note that cannot be pickled (a frontmatter nested too deep) leaves
                    # the shared memo out of step with what was written: the shard is
                    # written again, each note pickled on its own, without that one.
                    out.seek(0)
                    out.truncate()
                    _write_stream(out, self.settings, _records(kept, fresh, alone=True))
            os.replace(temporary, _shard_file(self.folder, shard))
        except OSError:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)


_UNPICKLABLE = (RecursionError, pickle.PicklingError, ValueError)

MEMO_SPAN = 50_000
"""Records (notes, links, positions, headings) after which a shard's stream starts a new
memo, which bounds what the memo holds (see ``_pickled``) however many notes a shard has."""


def _memo_size(note: Note) -> int:
    """About how many of the memo's entries pickling ``note`` makes (what it shares with
    other notes aside)."""
    return 1 + len(note.links) + len(note.positions) + len(note.headings)


def _records(
    kept: dict[str, _Entry],
    fresh: list[tuple[str, tuple[Stamp, FileRead]]],
    alone: bool = False,
) -> Iterator[tuple[str, Stamp, FileRead | bytes] | None]:
    """The records of a shard, with None where the stream is to start a new memo. A large
    note is pickled on its own (so that no more than one is held as bytes), as is every
    note when ``alone``; one that cannot be is left out (parsed again next time)."""
    span = 0
    for relative, (stamp, read) in [*kept.items(), *fresh]:
        if not isinstance(read, bytes):
            if alone or _is_large(read):
                try:
                    read = _pickled(read)
                except _UNPICKLABLE:
                    continue
                yield relative, stamp, read
                # The stream's memo would hold these bytes until the shard is written:
                # a new memo lets them go, so that no more than one is held at a time.
                yield None
                span = 0
                continue
            elif read.note is not None:
                size = _memo_size(read.note)
                span += size
                if span > MEMO_SPAN:
                    yield None
                    span = size
        yield relative, stamp, read


def _write_stream(
    out: IO[bytes],
    header: dict[str, Any],
    records: Iterator[tuple[str, Stamp, FileRead | bytes] | None],
) -> None:
    pickler = pickle.Pickler(out, 5)
    pickler.dump(header)
    for record in records:
        if record is None:
            pickler.dump(False)
            pickler = pickle.Pickler(out, 5)
        else:
            pickler.dump(record)
    pickler.dump(None)


def _is_file_read(relative: str, value: Any) -> bool:
    """Whether ``value`` has the shape of the FileRead of ``relative`` (the allow-list
    only says which classes a shard may make, not what they may hold: a tampered record
    could make a FileRead whose note is text, or the note of another path)."""
    if (
        type(value) is not FileRead
        or type(value.diagnostics) is not list
        or type(value.too_large) is not bool
    ):
        return False
    note = value.note
    return note is None or (
        type(note) is Note
        and note.path == relative
        and type(note.id) is str
        and type(note.frontmatter) is dict
        and type(note.body) is str
        and type(note.links) is tuple
        and type(note.tags) is tuple
        and type(note.aliases) is tuple
        and type(note.headings) is tuple
        and type(note.block_ids) is frozenset
        and type(note.positions) is dict
    )


SHARDS = 32


def _shard_of(relative: str) -> int:
    return zlib.crc32(relative.encode("utf-8", "surrogateescape")) % SHARDS


def _shard_file(folder: Path, shard: int) -> Path:
    return folder / f"{shard:02d}.pickle"


def _read_shard(folder: Path, shard: int, header: dict[str, Any]) -> dict[str, _Entry]:
    """The entries of one shard file; none when it is missing, damaged or foreign."""
    entries: dict[str, _Entry] = {}
    try:
        with open(_shard_file(folder, shard), "rb") as file:
            handle = io.BytesIO(file.read())
            stream = _RecordsOnly(handle)
            if stream.load() != header:
                return {}
            while (record := stream.load()) is not None:
                if record is False:  # a new memo starts
                    stream = _RecordsOnly(handle)
                    continue
                relative, stamp, read = record
                if type(read) is not FileRead and type(read) is not bytes:
                    return {}
                entries[relative] = (tuple(stamp), read)
    except Exception:  # noqa: BLE001 - whatever a damaged or foreign file raises
        return {}
    return entries
