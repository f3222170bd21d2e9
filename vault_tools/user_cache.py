"""The user's cache folder, where the lint and note caches live: outside the vault, so
that sync tools do not copy it. Each vault has its own files there, named after its
folder; every cache is stamped with the tool's code, and caches left unused are removed.
"""

from __future__ import annotations

import contextlib
import os
import time

from vault_tools import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:  # (typing and pathlib take milliseconds to import: see replay.py)
    from pathlib import Path
    from typing import Any


def cache_location() -> str:
    """Where results are kept: ``$VAULT_TOOLS_CACHE``, else ``$XDG_CACHE_HOME/vault-tools``,
    else ``~/.cache/vault-tools``: outside the vault, so that sync tools do not copy it."""
    explicit = os.environ.get("VAULT_TOOLS_CACHE")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "vault-tools")


def cache_folder() -> Path:
    """``cache_location()``, as a Path."""
    from pathlib import Path

    return Path(cache_location())


def cache_file(root: Path, kind: str, suffix: str) -> Path:
    """The cache file of ``kind`` for the vault at ``root`` (one per vault folder)."""
    return cache_folder() / f"{kind}-{vault_name(str(root))}.{suffix}"


def vault_name(root: str) -> str:
    """The name of the vault at ``root`` in the names of its cache files."""
    import hashlib

    return hashlib.sha256(os.fsencode(os.path.realpath(root))).hexdigest()[:24]


def write_cache_file(target: str, text: str) -> None:
    """Create or replace the cache file ``target`` with ``text`` in one step; a cache that
    cannot be written is simply not written. Concurrent runs: the last complete file wins."""
    temporary = None
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        import tempfile  # only here: it loads shutil, bz2, lzma and random

        name = os.path.basename(target)
        handle, temporary = tempfile.mkstemp(
            dir=os.path.dirname(target), prefix=f".{name.split('-')[0]}-", suffix=".tmp"
        )
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, target)
    except OSError:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def code_stamp() -> str:
    """The tool's version and the size and time of each of its modules, and of the
    libraries that shape its results, so that a cache written by other code (a different
    release, an edited checkout, an upgraded library) is never used."""
    if __version__ not in _CODE_STAMPS:
        import hashlib

        package = os.path.dirname(__file__)
        stamps = [__version__]
        for folder, _, names in sorted(os.walk(package)):
            for name in sorted(names):
                if name.endswith((".py", ".json")):
                    status = os.stat(os.path.join(folder, name))
                    stamps.append(f"{name}:{status.st_size}:{status.st_mtime_ns}")
        stamps += _library_stamps()
        _CODE_STAMPS[__version__] = hashlib.sha256("\n".join(stamps).encode()).hexdigest()
    return _CODE_STAMPS[__version__]


_CODE_STAMPS: dict[str, str] = {}
"""By version: a process runs one code (the tests change the version to see it counted)."""

_LIBRARIES = (
    "yaml",
    "frontmatter",
    "jsonschema",
    "jsonschema_specifications",
    "referencing",
    "networkx",
    "click",
)


def _library_stamps() -> list[str]:
    """The size and time of each library's first module, found without importing it: an
    upgrade writes it anew."""
    import importlib.util

    stamps = []
    for name in _LIBRARIES:
        try:
            spec = importlib.util.find_spec(name)
            origin = spec.origin if spec is not None else None
            status = os.stat(origin) if isinstance(origin, str) else None
        except Exception:  # noqa: BLE001 - whatever an odd import system raises: no stamp
            status = None
        stamps.append(f"{name}:{status.st_size}:{status.st_mtime_ns}" if status else name)
    return stamps


UNUSED_DAYS = 90
# Only names this tool makes (see cache_file and replay.py), whatever else shares the folder.
_OUR_FOLDER = r"notes-[0-9a-f]{24}\.d"
_OUR_FILE = r"(?:(?:lint|index)-[0-9a-f]{24}|run-[0-9a-f]{24}-[0-9a-f]{8})\.json"


def prune_unused(folder: Path) -> None:
    """Remove the caches in ``folder`` of vaults not read for UNUSED_DAYS (a vault moved
    or deleted would otherwise keep its cache, about 4 KB a note, for ever)."""
    too_old = time.time() - UNUSED_DAYS * 86400
    for entry in _our_caches(folder):
        try:
            if entry.stat(follow_symlinks=False).st_mtime < too_old:
                _remove(entry)
        except OSError:
            continue


def usage(root: Path) -> dict[str, Any]:
    """Where the caches are and the bytes they take: the vault at ``root``'s, and every
    vault's (as ``{"folder", "vault": {"bytes"}, "all": {"bytes", "vaults"}}``)."""
    folder = cache_folder()
    this_vault = vault_name(str(root))
    sizes = {entry.name: _size(entry) for entry in _our_caches(folder)}
    return {
        "folder": str(folder),
        "vault": {
            "bytes": sum(size for name, size in sizes.items() if _vault_of(name) == this_vault)
        },
        "all": {"bytes": sum(sizes.values()), "vaults": len({_vault_of(name) for name in sizes})},
    }


def clear(root: Path | None) -> int:
    """Remove the caches of the vault at ``root``, or of every vault when None; the bytes
    freed. Only names this tool makes are removed, and the next run rebuilds them."""
    wanted = vault_name(str(root)) if root is not None else None
    freed = 0
    for entry in _our_caches(cache_folder()):
        if wanted is None or _vault_of(entry.name) == wanted:
            size = _size(entry)
            if _remove(entry):
                freed += size
    return freed


def _vault_of(name: str) -> str:
    """The vault a cache file is for, by its name (see cache_file and vault_name)."""
    return name.split("-", 1)[1][:24]


def _our_caches(folder: Path) -> list[os.DirEntry[str]]:
    import re

    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    ours = []
    for entry in entries:
        try:
            if (re.fullmatch(_OUR_FOLDER, entry.name) and entry.is_dir(follow_symlinks=False)) or (
                re.fullmatch(_OUR_FILE, entry.name) and entry.is_file(follow_symlinks=False)
            ):
                ours.append(entry)
        except OSError:
            continue
    return ours


def _size(entry: os.DirEntry[str]) -> int:
    """The bytes of a cache file, or of the files of a cache folder (which holds no
    folders)."""
    try:
        if not entry.is_dir(follow_symlinks=False):
            return entry.stat(follow_symlinks=False).st_size
        with os.scandir(entry.path) as inside:
            return sum(item.stat(follow_symlinks=False).st_size for item in inside)
    except OSError:
        return 0


def _remove(entry: os.DirEntry[str]) -> bool:
    """Remove a cache file or folder; False when it could not be removed."""
    import shutil

    try:
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)
    except OSError:
        return not os.path.lexists(entry.path)
    return True
