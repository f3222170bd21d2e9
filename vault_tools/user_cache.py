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
_OUR_FILE = re.compile(r"lint-[0-9a-f]{24}\.json")


def prune_unused(folder: Path) -> None:
    """Remove the caches in ``folder`` of vaults not read for UNUSED_DAYS (a vault moved
    or deleted would otherwise keep its cache, about 4 KB a note, for ever)."""
    import shutil

    too_old = time.time() - UNUSED_DAYS * 86400
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.stat(follow_symlinks=False).st_mtime >= too_old:
                continue
            if _OUR_FOLDER.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            elif _OUR_FILE.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
        except OSError:
            continue
