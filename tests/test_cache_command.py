"""`vault-tools cache info` and `cache clear`: see and remove the caches kept outside the vault."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import age, example_with_problems
from vault_tools import user_cache
from vault_tools.cli import cli


def run(*arguments: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(arguments))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def two_vaults(tmp_path: Path) -> tuple[Path, Path]:
    """Two vaults, each indexed, linted and checked once: a note cache, a lint cache and
    an index cache each."""
    vaults = (example_with_problems(tmp_path / "one"), example_with_problems(tmp_path / "two"))
    for root in vaults:
        assert run("index", str(root))[0] == 0
        age(root)
        for command in (["lint", str(root)], ["index", str(root), "--check"]):
            code, _, stderr = run(*command)
            assert code in (0, 1), stderr
    return vaults


def caches_of(root: Path) -> list[Path]:
    return [
        path
        for path in (
            user_cache.cache_file(root, "notes", "d"),
            user_cache.cache_file(root, "lint", "json"),
            user_cache.cache_file(root, "index", "json"),
        )
        if path.exists()
    ]


def test_info_shows_the_folder_and_what_the_caches_take(two_vaults):
    one, _ = two_vaults
    code, stdout, _ = run("cache", "info", str(one), "--format", "json")
    assert code == 0
    found = json.loads(stdout)
    assert found["folder"] == str(user_cache.cache_folder())
    assert found["all"]["vaults"] == 2
    assert 0 < found["vault"]["bytes"] < found["all"]["bytes"]
    on_disk = sum(
        file.stat().st_size
        for path in caches_of(one)
        for file in ([path] if path.is_file() else path.iterdir())
    )
    assert found["vault"]["bytes"] == on_disk
    code, stdout, _ = run("cache", "info", str(one))
    assert code == 0
    assert f"Cache folder: {user_cache.cache_folder()}" in stdout
    assert "(2 vaults)" in stdout


def test_clear_removes_only_that_vault_s_caches_and_the_next_run_rebuilds_them(two_vaults):
    one, two = two_vaults
    assert len(caches_of(one)) == len(caches_of(two)) == 3
    before = run("lint", str(one))
    code, stdout, stderr = run("cache", "clear", str(one))
    assert code == 0 and stdout == ""
    assert stderr.startswith("Removed the caches of ") and "MB" in stderr
    assert caches_of(one) == [] and len(caches_of(two)) == 3
    assert run("lint", str(one)) == before
    assert len(caches_of(one)) == 2  # the index cache comes back with the next index


def test_clear_all_removes_every_cache_and_nothing_else(two_vaults):
    folder = user_cache.cache_folder()
    foreign = [folder / "notes-of-someone-else.d", folder / "lint-notes.json", folder / "x.txt"]
    foreign[0].mkdir()
    for path in foreign[1:]:
        path.write_text("not the tool's")
    code, _, stderr = run("cache", "clear", "--all")
    assert code == 0 and "every vault" in stderr
    assert all(caches_of(root) == [] for root in two_vaults)
    assert sorted(folder.iterdir()) == sorted(foreign)
    code, stdout, _ = run("cache", "info", str(two_vaults[0]), "--format", "json")
    assert json.loads(stdout)["all"] == {"bytes": 0, "vaults": 0}


def test_a_cache_that_is_a_symlink_is_unlinked_not_followed(two_vaults, tmp_path):
    one, _ = two_vaults
    kept = tmp_path / "elsewhere"
    kept.mkdir()
    (kept / "00.pickle").write_bytes(b"keep me")
    notes = user_cache.cache_file(one, "notes", "d")
    for path in notes.iterdir():
        path.unlink()
    notes.rmdir()
    os.symlink(kept, notes)
    run("cache", "clear", "--all")
    assert (kept / "00.pickle").read_bytes() == b"keep me"


def test_clear_with_a_vault_and_all_is_a_usage_error(two_vaults):
    code, _, stderr = run("cache", "clear", str(two_vaults[0]), "--all")
    assert code == 2 and "not both" in stderr
    assert all(len(caches_of(root)) == 3 for root in two_vaults)


def test_info_and_clear_without_any_cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("VAULT_TOOLS_CACHE", str(tmp_path / "never made"))
    code, stdout, _ = run("cache", "info", str(tmp_path), "--format", "json")
    assert code == 0 and json.loads(stdout)["all"] == {"bytes": 0, "vaults": 0}
    code, _, stderr = run("cache", "clear", str(tmp_path))
    assert code == 0 and "(0.0 MB)" in stderr
    assert not (tmp_path / "never made").exists()
