"""One digest of everything a command's result depends on, for the caches to key it by.

The digest covers every file's path and stamp (size, modification and status change
times), the configuration and the files it names, the command's options and the date it
counts from, the local time zone, and the tool's code. A ``Recipe`` says which vault and
files those are, in JSON values, so that a replayed ``lint`` can fingerprint the vault
again before the rest of the tool loads (see replay.py): this module imports nothing
heavier than hashlib and json.
"""

from __future__ import annotations

import hashlib
import json
import os
import time

from vault_tools.listing import Listing, Stamp, list_vault
from vault_tools.user_cache import code_stamp

TYPE_CHECKING = False
if TYPE_CHECKING:  # (typing itself takes milliseconds to import)
    from typing import Any

FORMAT = 3

RACY_SECONDS = 2.0
"""A file changed this recently may change again within its timestamp's tick, unseen: a
result that depends on it is not remembered."""


class Recipe:
    """What a fingerprint is made of, besides the files' stamps: the vault's folder (as
    given), the listing's options, the files read besides notes (configuration, schemas),
    and the command's settings."""

    def __init__(
        self,
        root: str,
        *,
        follow_symlinks: bool,
        ignore: str | None,
        inputs: list[str],
        settings: dict[str, Any],
    ) -> None:
        self.root = root
        self.follow_symlinks = follow_symlinks
        self.ignore = ignore
        """The regular expression (case-insensitive) of the config's ``ignore`` globs."""
        self.inputs = inputs
        self.settings = settings

    def as_json(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "follow_symlinks": self.follow_symlinks,
            "ignore": self.ignore,
            "inputs": self.inputs,
            "settings": self.settings,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Recipe:
        """The recipe ``as_json`` gave; ValueError, TypeError or KeyError for anything else."""
        recipe = cls(
            str(data["root"]),
            follow_symlinks=bool(data["follow_symlinks"]),
            ignore=None if data["ignore"] is None else str(data["ignore"]),
            inputs=[str(path) for path in data["inputs"]],
            settings=dict(data["settings"]),
        )
        return recipe

    def list_files(self) -> Listing:
        """The vault's files, listed as ``Vault.walk_files`` lists them."""
        ignored = None
        if self.ignore is not None:
            import re

            try:
                ignored = re.compile(self.ignore, re.IGNORECASE)
            except re.error as error:  # (a recipe read back from a damaged record)
                raise ValueError(str(error)) from None
        return list_vault(self.root, ignored, self.follow_symlinks)


class Fingerprint:
    def __init__(self, key: str, settled: bool, recipe: Recipe) -> None:
        self.key = key
        self.settled = settled
        """False when a file changed in the last RACY_SECONDS: such a result is not
        remembered."""
        self.recipe = recipe


def fingerprint_listing(
    recipe: Recipe,
    files: list[tuple[str, Stamp | None]],
    *,
    undecodable: list[str],
    unreadable: list[str],
    links_met: dict[str, tuple[str, str]],
) -> Fingerprint:
    """The digest of ``recipe`` and the vault's listing: its ``files``, and what ``files``
    cannot show: the names that are not UTF-8, the folders that could not be listed, and
    where each symlink met led (see ``Listing``)."""
    digest = hashlib.sha256()
    header = {
        "format": FORMAT,
        "code": code_stamp(),
        "root": os.path.realpath(recipe.root),
        "follow_symlinks": recipe.follow_symlinks,
        "zone": _local_zone(),
        **recipe.settings,
    }
    digest.update(json.dumps(header, sort_keys=True).encode())
    lines = [
        f"{relative}\0{stamp[0]}\0{stamp[1]}\0{stamp[2]}\n"
        if stamp is not None
        else f"{relative}\0unreadable\n"
        for relative, stamp in files
    ]
    lines.sort()  # in path order: "\0", which ends each path, sorts before any character
    digest.update("".join(lines).encode("utf-8", "surrogateescape"))
    newest = max((stamp[1] for _, stamp in files if stamp is not None), default=0)
    for path in recipe.inputs:
        # Read before the digest, by the config's loading: one saved meanwhile must leave
        # the result unsettled, as a note saved meanwhile does.
        try:
            with open(path, "rb") as handle:
                newest = max(newest, os.fstat(handle.fileno()).st_mtime_ns)
                digest.update(handle.read())
        except (FileNotFoundError, NotADirectoryError):
            digest.update(b"\0missing\0")
        except OSError as error:  # (not as if missing: reading it fails the command)
            digest.update(f"\0unreadable {error.errno}\0".encode())
    for name in sorted(undecodable):
        digest.update(os.fsencode(name) + b"\0undecodable\n")
    for folder in sorted(unreadable):
        digest.update(os.fsencode(folder) + b"\0unlisted\n")
    for link, (real, kind) in sorted(links_met.items()):
        digest.update(os.fsencode(f"{link}\0{real}\0{kind}\n"))
    settled = newest < (time.time() - RACY_SECONDS) * 1e9
    return Fingerprint(digest.hexdigest(), settled, recipe)


def fingerprint_now(recipe: Recipe) -> Fingerprint:
    """The fingerprint of the vault ``recipe`` names, as it is now."""
    found = recipe.list_files()
    return fingerprint_listing(
        recipe,
        found.files,
        undecodable=found.undecodable,
        unreadable=list(found.unreadable),
        links_met=found.links_met,
    )


def _local_zone() -> list[Any]:
    """What turning a time written with an offset into this machine's local time (as the
    views and rules do) depends on: the zone asked for (TZ), and the zone files in play,
    the system's and the one TZ names."""
    asked = os.environ.get("TZ")
    files = [ZONE_FILE]
    if asked and asked.lstrip(":"):
        named = asked.lstrip(":")
        files.append(named if os.path.isabs(named) else os.path.join(ZONE_FOLDER, named))
    described: list[Any] = [asked, time.tzname, time.timezone, time.altzone]
    for path in files:
        try:
            status = os.stat(path)
        except (OSError, ValueError):  # (ValueError: a NUL in TZ)
            described.append(None)
            continue
        described.append([os.path.realpath(path), *_times_of(status)])
    return described


def _times_of(status: os.stat_result) -> tuple[int, int, int]:
    return status.st_size, status.st_mtime_ns, status.st_ctime_ns


ZONE_FILE = "/etc/localtime"
ZONE_FOLDER = "/usr/share/zoneinfo"
