"""lint(workers=...) runs the checks that may run apart in a forked child: same result."""

from __future__ import annotations

import datetime as dt
import os
import pickle
from pathlib import Path

import pytest

from tests.conftest import example_with_problems
from vault_tools import forked
from vault_tools.lint import lint
from vault_tools.rules import all_checks
from vault_tools.vault import Vault

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="children are forked")

TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Vault:
    monkeypatch.setattr(forked, "PARALLEL_MIN_NOTES", 1)
    return Vault.load(example_with_problems(tmp_path / "vault"))


def forks_counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    started: list[int] = []
    start = forked.start

    def counting_start(*arguments: object) -> object:
        child = start(*arguments)  # type: ignore[arg-type]
        started.append(child is not None)
        return child

    monkeypatch.setattr(forked, "start", counting_start)
    return started


def test_a_child_checks_the_links_and_the_result_is_the_same(vault, monkeypatch):
    one = lint(vault, today=TODAY)
    assert any(item.rule == "broken-link" for item in one)
    started = forks_counted(monkeypatch)
    assert lint(vault, today=TODAY, workers=2) == one
    assert started == [True]
    assert any(check.apart for check in all_checks())


def test_a_failed_child_is_made_up_for_here(vault, monkeypatch):
    one = lint(vault, today=TODAY)

    def broken(*arguments: object, **options: object) -> None:
        raise RuntimeError("the child dies")

    monkeypatch.setattr(pickle, "dump", broken)  # only the child pickles
    started = forks_counted(monkeypatch)
    assert lint(vault, today=TODAY, workers=2) == one
    assert started == [True]


def test_no_child_when_the_checks_apart_are_not_selected(vault, monkeypatch):
    started = forks_counted(monkeypatch)
    found = lint(vault, today=TODAY, workers=2, select_rules=["invalid-field-value"])
    assert found and {item.rule for item in found} == {"invalid-field-value"}
    assert started == []


def test_no_child_when_lint_can_be_cancelled(vault, monkeypatch):
    started = forks_counted(monkeypatch)
    assert lint(vault, today=TODAY, workers=2, cancelled=lambda: False)
    assert started == []


def children_started(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    pids: list[int] = []
    start = forked.start

    def recording_start(*arguments: object) -> object:
        child = start(*arguments)  # type: ignore[arg-type]
        if child is not None:
            pids.append(child[0])
        return child

    monkeypatch.setattr(forked, "start", recording_start)
    return pids


def test_a_check_that_raises_here_leaves_no_child_behind(vault, monkeypatch):
    """A check of this process that raises (a schema the config names that cannot be used,
    say) ends the lint; the child checking the links meanwhile is stopped and reaped, not
    left a zombie for as long as a long-lived caller (an editor plugin) lives."""
    from vault_tools import rules

    def broken(context: object) -> list[object]:
        raise RuntimeError("this check fails")

    kept = [check for check in all_checks() if not check.apart]
    assert kept
    failing = rules.Check(kept[0].rules, broken)
    monkeypatch.setattr(
        rules, "all_checks", lambda: [failing if c is kept[0] else c for c in all_checks()]
    )
    monkeypatch.setattr("vault_tools.lint.all_checks", rules.all_checks)
    pids = children_started(monkeypatch)
    with pytest.raises(RuntimeError, match="this check fails"):
        lint(vault, today=TODAY, workers=2)
    assert len(pids) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(pids[0], os.WNOHANG)  # reaped already: not a zombie child of ours


def test_a_childs_pipe_is_widened_so_that_it_rarely_waits_on_a_busy_parent():
    fcntl = pytest.importorskip("fcntl")
    if not hasattr(fcntl, "F_GETPIPE_SZ"):
        pytest.skip("only Linux pipes can be widened")
    reading, writing = os.pipe()
    try:
        forked._widen(writing)
        assert fcntl.fcntl(writing, fcntl.F_GETPIPE_SZ) >= min(forked.PIPE_BYTES, _pipe_max())
    finally:
        os.close(reading)
        os.close(writing)


def _pipe_max() -> int:
    try:
        return int(Path("/proc/sys/fs/pipe-max-size").read_text())
    except OSError:
        return 1 << 16
