"""The hostile corpus (``tests/hostile_corpus.py``): diagnostics, never tracebacks.

The corpus vault is linted and its diagnostics compared with the golden
``tests/fixtures/hostile.expected`` (path, line, column, rule). Every command that reads
a vault then runs over it as a separate process under a memory limit and a timeout: a
quadratic parser or an unbounded read would fail here rather than hang a user's editor.

To rewrite the golden after an intended change: ``VAULT_TOOLS_UPDATE_GOLDEN=1 python -m
pytest tests/test_hostile.py``, then read ``git diff tests/fixtures/hostile.expected``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests import hostile_corpus
from vault_tools.cli import cli
from vault_tools.vault import Vault

pytestmark = pytest.mark.skipif(os.name != "posix", reason="symlinks and file names")

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "hostile.expected"
UPDATE_GOLDEN = os.environ.get("VAULT_TOOLS_UPDATE_GOLDEN") == "1"
TODAY = "2026-12-01"
MEMORY_LIMIT = 2 * 1024**3
"""Address space a command may use over the corpus (the corpus itself is about 60 MB)."""
TIME_LIMIT = 120
"""Seconds a command may take over the corpus; it takes a few when all is well."""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("hostile")
    return hostile_corpus.build(base / "vault", base / "outside")


def lint_json(root: Path, *extra: str) -> tuple[int, list[dict[str, object]]]:
    result = CliRunner().invoke(
        cli, [*extra, "lint", str(root), "--format", "json", "--no-cache", "--today", TODAY]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture(scope="module")
def linted(corpus: Path) -> tuple[int, list[dict[str, object]]]:
    return lint_json(corpus)


def test_lint_reports_what_the_golden_says(linted: tuple[int, list[dict[str, object]]]) -> None:
    code, found = linted
    assert code == 1
    actual = sorted(
        [item["path"], item["line"], item["column"], item["rule"]]  # type: ignore[misc]
        for item in found
    )
    if UPDATE_GOLDEN:
        GOLDEN.write_text(
            "\n".join(json.dumps(row, ensure_ascii=False) for row in actual) + "\n",
            encoding="utf-8",
        )
    expected = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    assert actual == expected


def test_the_ordinary_note_is_still_checked(linted: tuple[int, list[dict[str, object]]]) -> None:
    _, found = linted
    assert ("contacts/Normal Person.md", "invalid-field-value") in {
        (item["path"], item["rule"]) for item in found
    }


def test_unsafe_yaml_never_runs(corpus: Path, linted: object) -> None:
    assert not (corpus.parent / "outside" / hostile_corpus.PWNED).exists()


def test_hidden_files_and_symlinks_out_of_the_vault_are_never_read(
    corpus: Path, linted: tuple[int, list[dict[str, object]]]
) -> None:
    _, found = linted
    _, found_following = lint_json(corpus, "--follow-symlinks")
    for diagnostics in (found, found_following):
        paths = {str(item["path"]) for item in diagnostics}
        assert not any(path.startswith(("files/.hidden", "fs/outside")) for path in paths)
    assert not any(str(item["path"]).startswith("fs/") for item in found)
    followed = Vault.load(corpus, follow_symlinks=True)
    assert "fs/to normal" in followed.notes
    assert "fs/outside" not in followed.notes
    assert not any(note_id.startswith("fs/loop/fs/loop") for note_id in followed.notes)


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


VAULT = "{vault}"
COMMANDS = [
    ["lint", VAULT, "--no-cache", "--today", TODAY],
    ["graph", VAULT, "--format", "mermaid"],
    ["index", VAULT, "--check", "--today", TODAY],
    ["agenda", VAULT, "--today", TODAY],
    ["export", "ics", VAULT],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: " ".join(command[:3]))
def test_every_command_ends_within_bounds_without_a_traceback(
    corpus: Path, command: list[str]
) -> None:
    args = [str(corpus) if arg == VAULT else arg for arg in command]
    finished = subprocess.run(
        [sys.executable, "-m", "vault_tools", *args],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=TIME_LIMIT,
        preexec_fn=_limited,
    )
    assert "Traceback" not in finished.stderr, finished.stderr[-3000:]
    assert finished.returncode in (0, 1), finished.stderr[-3000:]
    assert finished.stdout or finished.stderr


@pytest.mark.parametrize("note_cache", [False, True])
def test_a_file_deleted_or_replaced_between_listing_and_reading(
    make_vault, monkeypatch: pytest.MonkeyPatch, note_cache: bool
) -> None:
    root = make_vault({"gone.md": "x", "now a folder.md": "x", "kept.md": "x"})
    listing = Vault.walk_files

    def list_then_change(vault: Vault):  # type: ignore[no-untyped-def]
        listed = list(listing(vault))
        (root / "gone.md").unlink()
        (root / "now a folder.md").unlink()
        (root / "now a folder.md").mkdir()
        yield from listed

    monkeypatch.setattr(Vault, "walk_files", list_then_change)
    vault = Vault.load(root, note_cache=note_cache)
    assert sorted(vault.notes) == ["kept"]
    assert [(item.path, item.rule) for item in vault.diagnostics_from_reading()] == [
        ("now a folder.md", "unreadable-file")
    ]
