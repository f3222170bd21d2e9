"""The cycle collector's pause, and the freeze a one-shot process asks for after it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from vault_tools import collector
from vault_tools.collector import freeze_after_pauses, gc_paused


@pytest.fixture(autouse=True)
def _restore_collector() -> Iterator[None]:
    was_enabled = gc.isenabled()
    yield
    freeze_after_pauses(False)
    gc.unfreeze()
    if was_enabled:
        gc.enable()


def test_the_pause_stops_the_collector_and_resumes_it() -> None:
    gc.enable()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_pause_inside_a_disabled_collector_leaves_it_disabled() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_a_one_shot_process_freezes_what_the_pause_made() -> None:
    gc.enable()
    gc.unfreeze()
    freeze_after_pauses(True)
    with gc_paused():
        made = [[index] for index in range(10_000)]
    assert gc.get_freeze_count() >= len(made)


def test_a_long_lived_process_freezes_nothing() -> None:
    gc.enable()
    gc.unfreeze()
    freeze_after_pauses(False)
    with gc_paused():
        made = [[index] for index in range(10_000)]
    assert gc.get_freeze_count() == 0
    assert len(made) == 10_000


def test_the_command_line_freezes_and_watch_turns_it_off(tmp_path, monkeypatch) -> None:
    from vault_tools import cli
    from vault_tools.vault import Vault
    from vault_tools.watch import Watcher, WatchOptions

    monkeypatch.setattr(cli, "cli", SimpleNamespace(main=lambda **_: None))
    cli.main([])
    assert collector._freeze_after_pause
    Watcher(Vault.load(tmp_path), WatchOptions(), print, print)
    assert not collector._freeze_after_pause
