"""The user's cache folder, where the lint and note caches live: outside the vault, so
that sync tools do not copy it. Each vault has its own files there, named after its
folder; every cache is stamped with the tool's code, and caches left unused are removed.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from pathlib import Path
from typing import Any

from vault_tools import __version__


def cache_folder() -> Path:
    """Where results are kept: ``$VAULT_TOOLS_CACHE``, else ``$XDG_CACHE_HOME/vault-tools``,
    else ``~/.cache/vault-tools``: outside the vault, so that sync tools do not copy it."""
    explicit = os.environ.get("VAULT_TOOLS_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "vault-tools"


def cache_file(root: Path, kind: str, suffix: str) -> Path:
    """The cache file of ``kind`` for the vault at ``root`` (one per vault folder)."""
    name = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:24]
    return cache_folder() / f"{kind}-{name}.{suffix}"


def code_stamp() -> str:
    """The tool's version and the size and time of each of its modules, so that a cache
    written by other code (a different release, or an edited checkout) is never used."""
    package = Path(__file__).parent
    stamps = [__version__]
    for folder, _, names in sorted(os.walk(package)):
        for name in sorted(names):
            if name.endswith((".py", ".json")):
                status = os.stat(os.path.join(folder, name))
                stamps.append(f"{name}:{status.st_size}:{status.st_mtime_ns}")
    return hashlib.sha256("\n".join(stamps).encode()).hexdigest()


UNUSED_DAYS = 90
# Only names this tool makes (see cache_file), whatever else shares the folder.
_OUR_FOLDER = re.compile(r"notes-[0-9a-f]{24}\.d")
_OUR_FILE = re.compile(r"(?:lint|index)-[0-9a-f]{24}\.json")


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
    this_vault = _names_of(root)
    sizes = {entry.name: _size(entry) for entry in _our_caches(folder)}
    return {
        "folder": str(folder),
        "vault": {"bytes": sum(size for name, size in sizes.items() if name in this_vault)},
        "all": {"bytes": sum(sizes.values()), "vaults": len({_vault_of(name) for name in sizes})},
    }


def clear(root: Path | None) -> int:
    """Remove the caches of the vault at ``root``, or of every vault when None; the bytes
    freed. Only names this tool makes are removed, and the next run rebuilds them."""
    wanted = _names_of(root) if root is not None else None
    freed = 0
    for entry in _our_caches(cache_folder()):
        if wanted is None or entry.name in wanted:
            size = _size(entry)
            if _remove(entry):
                freed += size
    return freed


def _names_of(root: Path) -> set[str]:
    return {
        cache_file(root, "notes", "d").name,
        cache_file(root, "lint", "json").name,
        cache_file(root, "index", "json").name,
    }


def _vault_of(name: str) -> str:
    return name.split("-", 1)[1][:24]


def _our_caches(folder: Path) -> list[os.DirEntry[str]]:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    ours = []
    for entry in entries:
        try:
            if (_OUR_FOLDER.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False)) or (
                _OUR_FILE.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)
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
