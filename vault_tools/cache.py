"""Remember what a command found: when nothing it depends on has changed, replay it.

Two commands are remembered: ``lint`` (its diagnostics) and ``index`` when it finds every
block up to date (its counts and diagnostics, for ``index --check`` in pre-commit).

The key is a fingerprint of everything the result depends on (fingerprint.py): every
file's path and stamp (see listing.py), the configuration and the files it names, the
command's options and the date it counts from, and the tool's code. Any difference is a
miss, and the command runs in full. (replay.py replays the output of the same command
line sooner still.) The cache lives in the user's cache folder, outside the vault, so that
sync tools do not copy it; a corrupt, partial or foreign cache file is ignored and
replaced, never trusted and never fatal.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vault_tools.config import CONFIG_FILE, Config
from vault_tools.errors import VaultError
from vault_tools.fingerprint import Fingerprint, Recipe, fingerprint_listing
from vault_tools.forked import default_workers
from vault_tools.listing import Stamp
from vault_tools.model import Diagnostic, Severity
from vault_tools.user_cache import cache_file, write_cache_file
from vault_tools.vault import Vault

if TYPE_CHECKING:
    from vault_tools.index import IndexPlan

FORMAT = 2


@dataclass(frozen=True)
class LintRun:
    diagnostics: list[Diagnostic]
    note_count: int
    from_cache: bool
    config: Config
    fingerprint: Fingerprint | None = None
    """What the result depends on, when it could be remembered (see replay.py)."""


@dataclass(frozen=True)
class IndexRun:
    plan: IndexPlan
    """Replayed, it has no updates: only a plan that had none is remembered."""
    from_cache: bool
    fingerprint: Fingerprint | None = None
    """What the plan depends on, when it was remembered (see replay.py)."""


def fingerprint(
    vault: Vault,
    settings: dict[str, Any],
    *,
    files: list[tuple[str, Stamp | None]],
) -> Fingerprint:
    """A digest of everything a command's result depends on, ``settings`` (the command
    and its options, as JSON values) included (``vault`` need not be loaded). ``files``:
    the vault's files as ``vault.list_files()`` gave them, so that the vault then reads
    the notes of the same listing."""
    recipe = Recipe(
        str(vault.root),
        follow_symlinks=vault.follow_symlinks,
        ignore=vault.ignore_pattern,
        inputs=[str(path) for path in _inputs(vault.root, vault.config)],
        settings=settings,
    )
    listing = vault.last_listing  # the listing that gave ``files``
    if listing is None:
        raise RuntimeError("fingerprint() needs the vault listed first (list_files)")
    return fingerprint_listing(
        recipe,
        files,
        undecodable=listing.undecodable,
        unreadable=list(listing.unreadable),
        links_met=listing.links_met,
    )


def _inputs(root: Path, config: Config) -> list[Path]:
    files = [
        root / CONFIG_FILE,
        root / ".obsidian" / "types.json",
        root / ".obsidian" / "templates.json",
    ]
    files += [root / override.file for override in config.schemas.values() if override.file]
    return files


def recall(root: Path, command: str, key: str) -> dict[str, Any] | None:
    """What was remembered of ``command`` under ``key``, or None (missing, stale, corrupt
    or foreign)."""
    try:
        data: Any = json.loads(cache_file(root, command, "json").read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key:
        return None
    return data


def remember(root: Path, command: str, key: str, result: dict[str, Any]) -> None:
    """Remember ``result`` (JSON values) of ``command`` under ``key``; a cache that cannot
    be written is simply not written. Concurrent runs: the last complete file wins."""
    payload = json.dumps({"format": FORMAT, "key": key, **result})
    write_cache_file(str(cache_file(root, command, "json")), payload)


def _diagnostics_of(items: Any) -> list[Diagnostic]:
    """Diagnostics back from their ``to_dict`` form; ValueError, TypeError, KeyError or
    AttributeError for anything else."""
    return [
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
        for item in items
    ]


_DAMAGED = (ValueError, TypeError, KeyError, AttributeError)
"""What reading a remembered result that is not what this code wrote raises."""


def _listed_vault(
    root: Path, config: Config, follow_symlinks: bool
) -> tuple[Vault, list[tuple[str, Stamp | None]]]:
    """The vault at ``root``, not read yet, and its files, listed once: for the fingerprint
    and for reading the notes."""
    if not root.is_dir():
        raise VaultError(
            f"{root}: no such folder" if not root.exists() else f"{root}: is not a folder"
        )
    vault = Vault(root, config, follow_symlinks=follow_symlinks)
    return vault, vault.list_files()


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
    vault, files = _listed_vault(root, config, follow_symlinks)
    fingerprinted = None
    if use_cache:
        settings = {"command": "lint", "select": select, "ignore": ignore, "today": str(today)}
        fingerprinted = fingerprint(vault, settings, files=files)
        remembered = recall(root, "lint", fingerprinted.key)
        if remembered is not None:
            try:
                diagnostics = _diagnostics_of(remembered["diagnostics"])
                settled = fingerprinted if fingerprinted.settled else None
                return LintRun(diagnostics, int(remembered["notes"]), True, config, settled)
            except _DAMAGED:
                pass
    workers = default_workers()
    vault.read(files, workers=workers, note_cache=use_cache)
    diagnostics = lint(
        vault, select_rules=select, ignore_rules=ignore, today=today, workers=workers
    )
    if fingerprinted is None or not fingerprinted.settled:
        return LintRun(diagnostics, len(vault.notes), from_cache=False, config=config)
    result = {"notes": len(vault.notes), "diagnostics": [d.to_dict() for d in diagnostics]}
    remember(root, "lint", fingerprinted.key, result)
    return LintRun(diagnostics, len(vault.notes), False, config, fingerprinted)


def cached_index_plan(
    root: Path,
    *,
    today: dt.date,
    force: bool = False,
    views: set[str] | None = None,
    use_cache: bool = True,
    follow_symlinks: bool = False,
) -> IndexRun:
    """``plan_index`` of the vault at ``root``; when the last plan made with the same
    options found every block up to date and nothing changed since, that plan again,
    without reading the notes. (A plan with updates is never remembered: once written,
    the notes it changed change the key.)

    Raises VaultError or ConfigError as ``Vault.load`` does.
    """
    from vault_tools.config import load_config
    from vault_tools.index import IndexPlan, plan_index

    vault, files = _listed_vault(root, load_config(root), follow_symlinks)
    fingerprinted = None
    if use_cache:
        settings = {
            "command": "index",
            "today": str(today),
            "force": force,
            "views": sorted(views) if views is not None else None,
        }
        fingerprinted = fingerprint(vault, settings, files=files)
        remembered = recall(root, "index", fingerprinted.key)
        if remembered is not None:
            try:
                plan = IndexPlan(
                    diagnostics=_diagnostics_of(remembered["diagnostics"]),
                    notes_with_blocks=int(remembered["notes_with_blocks"]),
                    blocks=int(remembered["blocks"]),
                    refused=int(remembered["refused"]),
                )
                settled = fingerprinted if fingerprinted.settled else None
                return IndexRun(plan, from_cache=True, fingerprint=settled)
            except _DAMAGED:
                pass
    vault.read(files, workers=default_workers(), note_cache=use_cache)
    plan = plan_index(vault, today=today, force=force, views=views)
    if fingerprinted is None or not fingerprinted.settled or plan.updates:
        return IndexRun(plan, from_cache=False)
    result = {
        "diagnostics": [d.to_dict() for d in plan.diagnostics],
        "notes_with_blocks": plan.notes_with_blocks,
        "blocks": plan.blocks,
        "refused": plan.refused,
    }
    remember(root, "index", fingerprinted.key, result)
    return IndexRun(plan, from_cache=False, fingerprint=fingerprinted)
