"""The lint cache: replayed only when nothing changed, identical results, never fatal."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import age, contact, example_with_problems, run_at_once
from vault_tools import cache, user_cache
from vault_tools.cache import cached_lint
from vault_tools.cli import cli

TODAY = dt.date(2026, 12, 1)


def run(root: Path, **options: object) -> cache.LintRun:
    return cached_lint(root, select=[], ignore=[], today=TODAY, **options)  # type: ignore[arg-type]


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return example_with_problems(tmp_path / "vault")


def test_second_run_is_replayed_with_identical_results(vault):
    first = run(vault)
    second = run(vault)
    assert (first.from_cache, second.from_cache) == (False, True)
    assert second.diagnostics == first.diagnostics
    assert second.note_count == first.note_count
    assert run(vault, use_cache=False).diagnostics == first.diagnostics


def test_an_edit_is_seen(vault):
    run(vault)
    note = vault / "contacts" / "Bad.md"
    note.write_text(contact(status="contacted"))
    age(vault, 30)
    result = run(vault)
    assert not result.from_cache
    assert "invalid-field-value" not in {d.rule for d in result.diagnostics}


def test_a_touch_without_change_recomputes_the_same_result(vault):
    first = run(vault)
    os.utime(vault / "Home.md", (time.time() - 30, time.time() - 30))
    second = run(vault)
    assert not second.from_cache and second.diagnostics == first.diagnostics


def test_config_date_and_version_are_part_of_the_key(vault, monkeypatch):
    run(vault)
    assert (
        cached_lint(vault, select=[], ignore=[], today=TODAY + dt.timedelta(days=1)).from_cache
        is False
    )
    assert cached_lint(vault, select=["VT3"], ignore=[], today=TODAY).from_cache is False
    (vault / ".vault-tools.toml").write_text('[lint]\nignore = ["broken-link"]\n')
    age(vault)
    changed = run(vault)
    assert not changed.from_cache
    assert "broken-link" not in {d.rule for d in changed.diagnostics}
    monkeypatch.setattr(cache, "__version__", "999")
    assert run(vault).from_cache is False


def test_a_run_that_misses_lists_the_vault_once(vault, monkeypatch):
    """The notes are read from the fingerprint's listing, not from a second one."""
    from vault_tools.vault import Vault

    listed = []
    walk_files = Vault.walk_files

    def counted(self):
        listed.append(self.root)
        return walk_files(self)

    monkeypatch.setattr(Vault, "walk_files", counted)
    first = run(vault)
    assert (first.from_cache, len(listed)) == (False, 1)
    assert run(vault).from_cache and len(listed) == 2
    assert run(vault, use_cache=False).diagnostics == first.diagnostics
    assert len(listed) == 3


def test_recent_changes_are_not_remembered(tmp_path):
    root = tmp_path / "v"
    root.mkdir()
    (root / "a.md").write_text("x")  # written just now: a same-tick edit could go unseen
    run(root)
    assert run(root).from_cache is False


@pytest.mark.parametrize("content", ["", "{", "[]", '{"format": 1, "key": 5}', "\x00\xff"])
def test_a_corrupt_cache_is_ignored_and_rebuilt(vault, content):
    run(vault)
    (file,) = user_cache.cache_folder().glob("lint-*.json")
    file.write_text(content, encoding="latin-1")
    assert run(vault).from_cache is False
    assert run(vault).from_cache is True


def test_an_unwritable_cache_folder_is_not_fatal(vault, monkeypatch, tmp_path):
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    monkeypatch.setenv("VAULT_TOOLS_CACHE", str(blocker / "cache"))
    assert run(vault).from_cache is False
    assert run(vault).from_cache is False


def test_concurrent_runs_on_the_same_vault(vault):
    runs = run_at_once("lint", str(vault), "--format", "json", "--today", "2026-12-01")
    assert {code for code, _ in runs} == {1}
    assert len({out for _, out in runs}) == 1
    assert len(list(user_cache.cache_folder().glob("lint-*.json"))) == 1
    assert not list(user_cache.cache_folder().glob(".lint-*"))


def test_cli_no_cache_and_cached_output_are_the_same(vault):
    runner = CliRunner()
    args = ["lint", str(vault), "--today", "2026-12-01", "--format", "json"]
    first = runner.invoke(cli, args)
    second = runner.invoke(cli, args)
    third = runner.invoke(cli, [*args, "--no-cache"])
    assert first.exit_code == second.exit_code == third.exit_code == 1
    assert first.stdout == second.stdout == third.stdout
    assert first.stderr == second.stderr
