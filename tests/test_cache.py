"""The lint cache: replayed only when nothing changed, identical results, never fatal."""

from __future__ import annotations

import datetime as dt
import json
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
    monkeypatch.setattr(user_cache, "__version__", "999")
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


@pytest.mark.parametrize("command", ["lint", "index"])
@pytest.mark.parametrize(
    "content", ["", "{", "[]", f'{{"format": {cache.FORMAT}, "key": 5}}', "\x00\xff"]
)
def test_a_corrupt_cache_is_ignored_and_rebuilt(command, content, request):
    root = request.getfixturevalue("vault" if command == "lint" else "indexed")
    again = run if command == "lint" else index_run
    again(root)
    (file,) = user_cache.cache_folder().glob(f"{command}-*.json")
    file.write_text(content, encoding="latin-1")
    assert again(root).from_cache is False
    assert again(root).from_cache is True


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


# -- index ---------------------------------------------------------------------------------


@pytest.fixture
def indexed(vault: Path) -> Path:
    """``vault`` with every block brought up to date, settled."""
    assert CliRunner().invoke(cli, ["index", str(vault), "--today", "2026-12-01"]).exit_code == 0
    age(vault)
    return vault


def index_run(root: Path, **options: object) -> cache.IndexRun:
    return cache.cached_index_plan(root, today=TODAY, **options)  # type: ignore[arg-type]


def plan_summary(plan) -> tuple:
    return (
        [update.path for update in plan.updates],
        plan.diagnostics,
        plan.notes_with_blocks,
        plan.blocks,
        plan.refused,
    )


def test_an_index_with_every_block_up_to_date_is_replayed(indexed):
    first = index_run(indexed)
    assert not first.plan.updates and first.plan.blocks > 0
    second = index_run(indexed)
    assert (first.from_cache, second.from_cache) == (False, True)
    assert plan_summary(second.plan) == plan_summary(first.plan)
    assert plan_summary(index_run(indexed, use_cache=False).plan) == plan_summary(first.plan)


def test_an_index_with_updates_is_never_remembered_and_an_edit_is_seen(indexed):
    index_run(indexed)
    (indexed / "contacts" / "New Person.md").write_text(contact(status="contacted"))
    age(indexed, 30)
    for _ in range(2):
        run_after_edit = index_run(indexed)
        assert not run_after_edit.from_cache
        assert [update.path for update in run_after_edit.plan.updates] == ["Home.md"]


def test_the_index_options_and_date_are_part_of_the_key(indexed):
    index_run(indexed)
    assert index_run(indexed).from_cache
    assert not index_run(indexed, force=True).from_cache
    assert not index_run(indexed, views={"contacts"}).from_cache
    assert not cache.cached_index_plan(indexed, today=TODAY + dt.timedelta(days=1)).from_cache
    # One result is kept a vault, the last: each set of options misses once after another.
    assert not index_run(indexed).from_cache
    assert index_run(indexed).from_cache


def test_a_damaged_but_matching_index_cache_is_not_trusted(indexed):
    index_run(indexed)
    (file,) = user_cache.cache_folder().glob("index-*.json")
    data = json.loads(file.read_text())
    file.write_text(json.dumps({**data, "blocks": "many"}))
    assert index_run(indexed).from_cache is False


def test_cli_index_check_replayed_and_fresh_say_the_same(indexed):
    runner = CliRunner()
    args = ["index", str(indexed), "--check", "--today", "2026-12-01"]
    outputs = [runner.invoke(cli, args) for _ in range(2)]
    outputs.append(runner.invoke(cli, ["--no-cache", *args]))
    assert {(result.exit_code, result.output) for result in outputs} == {(0, outputs[0].output)}
    assert "up to date" in outputs[0].output


def test_another_time_zone_is_a_miss(vault, monkeypatch, tmp_path):
    """Times written with an offset are shown in local time: TZ and the zone files in
    play (the system's, and the one TZ names) are part of the key."""
    from vault_tools import fingerprint

    run(vault)
    assert run(vault).from_cache
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert not run(vault).from_cache
    assert run(vault).from_cache
    zones = tmp_path / "zoneinfo"
    (zones / "Asia").mkdir(parents=True)
    (zones / "Asia" / "Tokyo").write_bytes(b"TZif one release")
    monkeypatch.setattr(fingerprint, "ZONE_FOLDER", str(zones))
    assert not run(vault).from_cache
    assert run(vault).from_cache
    (zones / "Asia" / "Tokyo").write_bytes(b"TZif the next release of tzdata")
    assert not run(vault).from_cache
