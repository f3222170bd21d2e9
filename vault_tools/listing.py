"""List a vault's files with their stamps (sizes and times), and find a vault's folder.

Kept apart from vault.py, with nothing but ``os`` imported: a warm ``lint`` replays its
last output after listing the vault (see replay.py), before the rest of the tool loads.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:  # (typing itself takes milliseconds to import)
    import re

Stamp = tuple[int, int, int]
"""A file's size, modification time and status change time (ns). The last changes with
anything done to the file, its permissions included, and cannot be set back."""

CONFIG_FILE = ".vault-tools.toml"


class Listing:
    """What walking a vault's folders found."""

    def __init__(self) -> None:
        self.files: list[tuple[str, Stamp | None]] = []
        """Every file (hidden and ignored ones aside), vault-relative, with its stamp, or
        None when it cannot be had (a file removed since its folder was listed)."""
        self.undecodable: list[str] = []
        """Files and folders whose names are not UTF-8, which are not read."""
        self.unreadable: dict[str, str] = {}
        """Folders that could not be listed ("" is the vault's own), and why."""
        self.followed_links: dict[str, str] = {}
        """The symlinks followed (with ``follow_symlinks``): each one's path, and that of
        the file or folder it leads to."""
        self.listed_folders: set[str] = set()
        """The folders entered, through links or not ("" is the vault's own)."""
        self.links_met: dict[str, tuple[str, str]] = {}
        """Every symlink met (with ``follow_symlinks``), followed or not: where it led and
        what was there then ("file", "folder" or "none")."""


def list_vault(root: str, ignored: re.Pattern[str] | None, follow_symlinks: bool) -> Listing:
    """Every file under ``root`` but hidden ones (a name starting with ".") and those
    ``ignored`` matches (by vault-relative path), with its stamp (of the file a followed
    symlink leads to).

    Symlinks are skipped unless ``follow_symlinks`` is on; then those that lead inside
    the vault are followed, folders included, and a folder is never entered twice along
    one path (so a symlink loop ends). Symlinks that lead outside the vault are never
    followed.
    """
    found = Listing()
    files = found.files
    root_real = os.path.realpath(root)
    entered_through_links: set[str] = set()
    pending: list[tuple[str, frozenset[str]]] = [("", frozenset({root_real}))]
    while pending:
        folder, ancestors = pending.pop()
        folder_path = os.path.join(root, folder) if folder else root
        try:
            listing = _FolderEntries(folder_path)
        except OSError as error:
            found.unreadable[folder] = str(error.strerror or error)
            continue
        found.listed_folders.add(folder)
        prefix = f"{folder}/" if folder else ""
        with listing:
            for entry in listing.entries:
                name = entry.name
                if name[0] == ".":
                    continue
                relative = prefix + name
                if ignored is not None and ignored.match(relative) is not None:
                    continue
                if not (name.isascii() or is_utf8(name)):
                    found.undecodable.append(relative)
                    continue
                try:
                    if entry.is_file(follow_symlinks=False):  # the usual case, first
                        files.append((relative, _stamp(entry)))
                    elif entry.is_dir(follow_symlinks=False):
                        real = os.path.realpath(os.path.join(folder_path, name))
                        pending.append((relative, ancestors | {real}))
                    elif follow_symlinks and entry.is_symlink():
                        real = os.path.realpath(os.path.join(folder_path, name))
                        found.links_met[relative] = (real, kind_of(real))
                        if not is_inside(root_real, real):
                            continue
                        if entry.is_dir():
                            if real in ancestors or real in entered_through_links:
                                continue  # a loop, or a folder already read through a link
                            entered_through_links.add(real)
                            found.followed_links[relative] = relative_to(root_real, real)
                            pending.append((relative, ancestors | {real}))
                        elif entry.is_file():
                            found.followed_links[relative] = relative_to(root_real, real)
                            files.append((relative, _stamp(entry)))
                except OSError:
                    continue
    return found


def find_root(start: str) -> str:
    """The nearest folder from ``start`` upwards that holds ``.vault-tools.toml`` or
    ``.obsidian/``, the way git finds its repository; ``start`` itself when none does
    (resolved, either way)."""
    here = folder = os.path.realpath(start)
    while True:
        if os.path.isfile(os.path.join(folder, CONFIG_FILE)) or os.path.isdir(
            os.path.join(folder, ".obsidian")
        ):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return here
        folder = parent


def is_utf8(name: str) -> bool:
    """False for a name whose bytes are not UTF-8 (Python holds them as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_inside(root_real: str, path: str) -> bool:
    real = os.path.realpath(path)
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


def relative_to(root_real: str, real: str) -> str:
    """``real`` (a resolved path inside the vault's resolved root) vault-relative, POSIX."""
    return os.path.relpath(real, root_real).replace(os.sep, "/")


def kind_of(path: str) -> str:
    return "folder" if os.path.isdir(path) else "file" if os.path.isfile(path) else "none"


_SCAN_BY_DESCRIPTOR = os.scandir in os.supports_fd and os.stat in os.supports_dir_fd
"""Listing a folder through an open descriptor makes each file's status a lookup in that
folder (fstatat) instead of a walk of its whole path again: a warm lint stats every file."""


class _FolderEntries:
    """The entries of one folder, with the folder held open while they are examined (where
    the platform can list a folder by descriptor)."""

    def __init__(self, path: str) -> None:
        self._descriptor: int | None = None
        if not _SCAN_BY_DESCRIPTOR:
            with os.scandir(path) as found:
                self.entries = list(found)
            return
        self._descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            with os.scandir(self._descriptor) as found:
                self.entries = list(found)
        except OSError:
            os.close(self._descriptor)
            raise

    def __enter__(self) -> _FolderEntries:
        return self

    def __exit__(self, *_: object) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)


def _stamp(entry: os.DirEntry[str]) -> Stamp | None:
    # Only three numbers are kept: a warm lint holds one for every file of the vault, and a
    # whole os.stat_result for each would take as long again to allocate.
    try:
        status = entry.stat()
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns, status.st_ctime_ns
