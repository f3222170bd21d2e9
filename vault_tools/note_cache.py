"""Parsed notes remembered between runs, so that a lint after editing one note parses one.

Each entry is one note's parse (its ``FileRead``: the note, typed, and what reading it
found), keyed by the note's vault-relative path and its file's stamp (size, modification
and status change times). The entries are spread over a few shard files, each also keyed
by the settings a parse depends on (the tool's code, the size limit, the templates
folder and the rules that give notes their types): any difference and the shard is
ignored. A corrupt, partial or foreign shard is ignored and replaced, never trusted and
never fatal.

A shard is a stream of pickles, read back by an unpickler that makes only the tool's
own records and plain values (dates, sets...), so that even a tampered file cannot run
code. Entries are pickled one by one, so that rewriting a shard copies the bytes of the
notes that did not change instead of pickling them again.
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

from vault_tools.user_cache import cache_file, code_stamp, prune_unused

if TYPE_CHECKING:
    from vault_tools.listing import Stamp
    from vault_tools.vault import FileRead, Vault

FORMAT = 2

RACY_SECONDS = 2.0
"""A file changed this recently could change again within the same timestamp tick,
unseen; its parse is used for this run but not remembered."""

_Entry = tuple["Stamp", bytes]
"""A remembered note: the stamp of its file (see ``listing.Stamp``), its pickled FileRead."""


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
"""Links and positions above which a note is pickled without a memo."""


def _pickled(read: FileRead) -> bytes:
    """``read`` as a pickle. The memo (which writes a repeated object, or class, once) makes
    it smaller and a third quicker, but indexes every object: a large note (the Home note
    of 250,000 links would need 100 MB more) is pickled without it. Without a memo,
    objects met twice (a YAML alias) are written twice; one that contains itself cannot be."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, 5)
    note = read.note
    pickler.fast = note is not None and len(note.links) + len(note.positions) > MEMO_UP_TO
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

        A shard file is a stream of pickles: the header, one ``(path, stamp, pickled
        FileRead)`` record per note, and None to close it (a file cut short has no None,
        and is not used).
        """
        header = {"format": FORMAT, **settings}
        return cls(folder, header, [_read_shard(folder, n, header) for n in range(SHARDS)])

    def recall(self, relative: str, stamp: Stamp) -> FileRead | None:
        """The remembered parse of ``relative`` if its file has the same ``stamp``."""
        entry = self._remembered[_shard_of(relative)].get(relative)
        if entry is None or entry[0] != stamp:
            return None
        try:
            read: FileRead = _unpickle(entry[1])
        except Exception:  # noqa: BLE001 - a damaged entry is parsed again
            return None
        self._kept[relative] = entry
        self.recalled += 1
        return read

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
                pickle.dump(self.settings, out, 5)
                for relative, entry in kept.items():
                    pickle.dump((relative, *entry), out, 5)
                for relative, (stamp, read) in fresh:
                    # Pickled one at a time, so that no more than one is held as bytes.
                    try:
                        payload = _pickled(read)
                    except (RecursionError, pickle.PicklingError, ValueError):
                        continue  # not remembered: parsed again next time
                    pickle.dump((relative, stamp, payload), out, 5)
                pickle.dump(None, out, 5)
            os.replace(temporary, _shard_file(self.folder, shard))
        except OSError:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)


SHARDS = 32


def _shard_of(relative: str) -> int:
    return zlib.crc32(relative.encode("utf-8", "surrogateescape")) % SHARDS


def _shard_file(folder: Path, shard: int) -> Path:
    return folder / f"{shard:02d}.pickle"


def _read_shard(folder: Path, shard: int, header: dict[str, Any]) -> dict[str, _Entry]:
    """The entries of one shard file; none when it is missing, damaged or foreign."""
    entries: dict[str, _Entry] = {}
    try:
        with open(_shard_file(folder, shard), "rb") as handle:
            stream = _RecordsOnly(handle)
            if stream.load() != header:
                return {}
            while (record := stream.load()) is not None:
                relative, stamp, payload = record
                entries[relative] = (tuple(stamp), payload)
    except Exception:  # noqa: BLE001 - whatever a damaged or foreign file raises
        return {}
    return entries
