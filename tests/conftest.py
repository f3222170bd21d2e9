"""Shared test helpers: vaults built from dicts in tmp_path, nothing from the working folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

EXAMPLE_VAULT = Path(__file__).resolve().parent.parent / "example_vault"

VaultFiles = dict[str, "str | bytes"]


def write_vault(root: Path, files: VaultFiles) -> Path:
    """Write ``files`` (vault-relative path -> text or bytes) under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return root


@pytest.fixture
def make_vault(tmp_path: Path) -> Callable[[VaultFiles], Path]:
    """``make_vault({"contacts/Jane Doe.md": "..."})`` -> the vault's root folder."""

    def make(files: VaultFiles, name: str = "vault") -> Path:
        return write_vault(tmp_path / name, files)

    return make


def age(root: Path, seconds: float = 60) -> None:
    """Make every file look settled (older than the caches' racy window)."""
    past = time.time() - seconds
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (past, past))


def generated_vault(root: Path, notes: int = 400) -> Path:
    """A settled benchmark vault (``benchmarks/run.py``) of ``notes`` notes: referral
    chains, broken links, invalid fields, interviews across a year."""
    benchmarks = str(Path(__file__).resolve().parent.parent / "benchmarks")
    sys.path.insert(0, benchmarks)
    try:
        import run as benchmark  # type: ignore[import-not-found]
    finally:
        sys.path.remove(benchmarks)
    benchmark.generate(root, notes)
    age(root)
    return root


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    """A benchmark vault of 400 notes (see ``generated_vault``)."""
    return generated_vault(tmp_path / "generated")


def example_with_problems(root: Path) -> Path:
    """A settled copy of the example vault at ``root``, with one more contact that has a
    bad status and a broken link."""
    shutil.copytree(EXAMPLE_VAULT, root)
    (root / "contacts" / "Bad.md").write_text(contact(status="interviwed") + "[[Nowhere]]\n")
    age(root)
    return root


def run_at_once(*arguments: str, copies: int = 4) -> list[tuple[int, bytes]]:
    """Start ``copies`` runs of ``vault-tools ARGUMENTS`` together (as a pre-commit hook
    and an editor might); each run's exit code and stdout."""
    command = [sys.executable, "-m", "vault_tools", *arguments]
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(copies)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    return [(process.returncode, out) for process, out in zip(processes, outputs, strict=True)]


def contact(status: str = "identified", source: str = "friend", **fields: str) -> str:
    """A valid contact note's text, with extra frontmatter lines from ``fields``."""
    extra = "".join(f"{key}: {value}\n" for key, value in fields.items())
    return f"---\ntype: contact\nstatus: {status}\nsource: {source}\n{extra}---\n# Notes\n"


def interview(
    contact_name: str, date: str = "2026-10-01", *, thank_you_sent: str | None = "", **fields: str
) -> str:
    """A valid interview note's text. The thank-you is sent the same day unless
    ``thank_you_sent`` says otherwise (None leaves it out)."""
    sent = "" if thank_you_sent is None else f"thank_you_sent: {thank_you_sent or date}\n"
    extra = "".join(f"{key}: {value}\n" for key, value in fields.items())
    return (
        f'---\ntype: interview\ncontact: "[[{contact_name}]]"\ndate: {date}\n'
        f"{sent}{extra}---\n## Notes\n"
    )


@pytest.fixture(autouse=True)
def private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own lint cache folder, never the user's."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("VAULT_TOOLS_CACHE", str(folder))
    return folder
