"""Remember a lint run: when nothing the result depends on has changed, replay it.

The key is a fingerprint of everything a lint result depends on: every file's path, size
and modification time, the configuration and the files it names (schemas,
``.obsidian/types.json`` and ``templates.json``), the rules selected, the date the date
rules count from, and the tool's version and code. Any difference is a miss, and the vault is
linted in full. The cache lives in the user's cache folder, outside the vault, so that
sync tools do not copy it; a corrupt, partial or foreign cache file is ignored and
replaced, never trusted and never fatal.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vault_tools import __version__
from vault_tools.config import CONFIG_FILE, Config
from vault_tools.errors import VaultError
from vault_tools.forked import default_workers
from vault_tools.model import Diagnostic, Severity
from vault_tools.user_cache import cache_file, code_stamp
from vault_tools.vault import Stamp, Vault

FORMAT = 1


@dataclass(frozen=True)
class LintRun:
    diagnostics: list[Diagnostic]
    note_count: int
    from_cache: bool
    config: Config


@dataclass(frozen=True)
class Fingerprint:
    key: str
    settled: bool
    """False when a file changed in the last seconds: a change within the same timestamp
    tick could then go unseen, so such a result is not remembered."""


RACY_SECONDS = 2.0


def fingerprint(
    vault: Vault,
    *,
    select: list[str],
    ignore: list[str],
    today: dt.date,
    files: list[tuple[str, Stamp | None]] | None = None,
) -> Fingerprint:
    """A digest of everything a lint result depends on (``vault`` need not be loaded).
    ``files``: the vault's files as ``vault.list_files()`` gave them (else listed here), so
    that the vault reads the notes of the same listing."""
    digest = hashlib.sha256()
    header = {
        "format": FORMAT,
        "version": __version__,
        "code": code_stamp(),
        "select": select,
        "ignore": ignore,
        "today": today.isoformat(),
        "root": str(vault.root.resolve()),
        "follow_symlinks": vault.follow_symlinks,
    }
    digest.update(json.dumps(header, sort_keys=True).encode())
    if files is None:
        files = list(vault.walk_files())
    lines = [
        f"{relative}\0{stamp[0]}\0{stamp[1]}\n"
        if stamp is not None
        else f"{relative}\0unreadable\n"
        for relative, stamp in files
    ]
    lines.sort()  # in path order: "\0", which ends each path, sorts before any character
    digest.update("".join(lines).encode("utf-8", "surrogateescape"))
    newest = max((stamp[1] for _, stamp in files if stamp is not None), default=0)
    for path in _inputs(vault.root, vault.config):
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"\0missing\0")
    for name in sorted(vault.undecodable_names):  # files no listing above shows
        digest.update(os.fsencode(name) + b"\0undecodable\n")
    for relative, problems in sorted(vault.read_diagnostics.items()):
        digest.update(f"{relative}\0{len(problems)}\n".encode())  # folders that failed to list
    settled = newest < (time.time() - RACY_SECONDS) * 1e9
    return Fingerprint(digest.hexdigest(), settled)


def _inputs(root: Path, config: Config) -> list[Path]:
    files = [
        root / CONFIG_FILE,
        root / ".obsidian" / "types.json",
        root / ".obsidian" / "templates.json",
    ]
    files += [root / override.file for override in config.schemas.values() if override.file]
    return files


def _cache_file(root: Path) -> Path:
    return cache_file(root, "lint", "json")


def load(root: Path, key: str) -> tuple[list[Diagnostic], int] | None:
    """The remembered result for ``key``, or None (missing, stale, corrupt or foreign)."""
    try:
        data: Any = json.loads(_cache_file(root).read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("key") != key:
            return None
        diagnostics = [
            Diagnostic(
                path=str(item["path"]),
                line=int(item["line"]),
                column=int(item["column"]),
                severity=Severity(item["severity"]),
                code=str(item["code"]),
                rule=str(item["rule"]),
                message=str(item["message"]),
                fix=None if item["fix"] is None else str(item["fix"]),
            )
            for item in data["diagnostics"]
        ]
        return diagnostics, int(data["notes"])
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def store(root: Path, key: str, diagnostics: list[Diagnostic], note_count: int) -> None:
    """Remember a result; a cache that cannot be written is simply not written."""
    target = _cache_file(root)
    payload = json.dumps(
        {
            "format": FORMAT,
            "key": key,
            "notes": note_count,
            "diagnostics": [item.to_dict() for item in diagnostics],
        }
    )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        import tempfile  # only here: it loads shutil, bz2, lzma and random

        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".lint-", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(payload)
        os.replace(temporary, target)  # concurrent runs: the last complete file wins
    except OSError:
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(temporary)


def cached_lint(
    root: Path,
    *,
    select: list[str],
    ignore: list[str],
    today: dt.date,
    use_cache: bool = True,
    follow_symlinks: bool = False,
) -> LintRun:
    """``lint`` of the vault at ``root``, replayed from the cache when nothing changed.

    Raises VaultError, ConfigError or ValueError (an unknown rule) as ``lint`` does.
    """
    from vault_tools.config import load_config
    from vault_tools.lint import lint
    from vault_tools.rules.registry import select as select_rules

    config = load_config(root)
    select_rules([*select, *ignore] or ["all"])  # an unknown rule fails before any work
    if not root.is_dir():
        raise VaultError(
            f"{root}: no such folder" if not root.exists() else f"{root}: is not a folder"
        )
    vault = Vault(root, config, follow_symlinks=follow_symlinks)
    files = vault.list_files()  # once, for the fingerprint and for reading
    fingerprinted = None
    if use_cache:
        fingerprinted = fingerprint(vault, select=select, ignore=ignore, today=today, files=files)
        remembered = load(root, fingerprinted.key)
        if remembered is not None:
            return LintRun(remembered[0], remembered[1], from_cache=True, config=config)
    workers = default_workers()
    vault.read(files, workers=workers, note_cache=use_cache)
    diagnostics = lint(
        vault, select_rules=select, ignore_rules=ignore, today=today, workers=workers
    )
    if fingerprinted is not None and fingerprinted.settled:
        store(root, fingerprinted.key, diagnostics, len(vault.notes))
    return LintRun(diagnostics, len(vault.notes), from_cache=False, config=config)
