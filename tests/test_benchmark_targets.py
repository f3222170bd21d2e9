"""benchmarks/run.py judges the issue's targets from the rows of one run."""

from __future__ import annotations

import sys
from pathlib import Path

BENCHMARKS = str(Path(__file__).resolve().parent.parent / "benchmarks")


def _benchmark():
    sys.path.insert(0, BENCHMARKS)
    try:
        import run  # type: ignore[import-not-found]
    finally:
        sys.path.remove(BENCHMARKS)
    return run


def row(notes: int, **values: float) -> dict[str, float | int | None]:
    base: dict[str, float | int | None] = {
        "size": notes,
        "notes": notes + 1,
        "read_bytes": 1.0,
        "lint": 2.5,
        "lint_warm": 0.4,
        "help": 0.1,
        "watch_latency": 0.09,
        "watch_latency_bounded": 0.06,
        "peak_memory_mb": 100,
        "peak_memory_mb_one_edit": 100,
        "peak_memory_mb_watch": 100,
        "peak_memory_mb_watch_bounded": 100,
        "lint_ms_a_note_beyond_startup": 0.2,
    }
    return {**base, **values}


WHOLE_VAULT = "watch, Home of whole-vault views"
LINT_PEAK = "peak MB: lint, first run and after one edit"
WATCH_PEAK = "peak MB: watch, Home of whole-vault views"
BOUNDED_WATCH_PEAK = "peak MB: watch, dashboard of bounded views"
BOUNDED = "watch, dashboard of bounded views"


def judged(rows):
    return {_short(target.name): target.holds for target in _benchmark().targets(rows)}


def _short(name: str) -> str:
    """A target's name without its size and measure: "peak MB: watch, ..." keeps what
    follows its colon, as the peaks differ only there."""
    if name.startswith("peak MB"):
        return "peak MB:" + name.split(":", 1)[1]
    return name.split(":")[0].split(" at ")[0]


def test_every_target_holds_when_each_measure_is_within_its_limit():
    rows = [row(1_000), row(20_000), row(50_000, lint_ms_a_note_beyond_startup=0.25)]
    assert set(judged(rows).values()) == {True}


def test_each_target_fails_on_its_own_measure():
    assert judged([row(20_000, lint=3.1), row(50_000)])["cold lint"] is False
    assert judged([row(20_000, lint_warm=0.51), row(50_000)])["warm lint"] is False
    # The latency is judged after the debounce it includes.
    assert judged([row(20_000, watch_latency=0.11), row(50_000)])[WHOLE_VAULT] is False
    assert judged([row(20_000), row(50_000, watch_latency_bounded=0.11)])[BOUNDED] is False
    assert judged([row(20_000, help=0.2), row(50_000)])["--help"] is False
    flat = judged(
        [
            row(1_000, lint_ms_a_note_beyond_startup=0.2),
            row(50_000, lint_ms_a_note_beyond_startup=0.27),
        ]
    )
    assert flat["cold ms a note beyond start-up"] is False
    for key, target in (
        ("peak_memory_mb", LINT_PEAK),
        ("peak_memory_mb_one_edit", LINT_PEAK),
        ("peak_memory_mb_watch", WATCH_PEAK),
        ("peak_memory_mb_watch_bounded", BOUNDED_WATCH_PEAK),
    ):
        found = judged([row(20_000), row(50_000, **{key: 500.5})])
        assert found[target] is False, key
        assert {holds for name, holds in found.items() if name != target} == {True}, key


def test_a_size_left_out_is_not_judged():
    found = judged([row(1_000), row(5_000)])
    assert found["cold lint"] is None and found["warm lint"] is None and found[LINT_PEAK] is None
    assert judged([row(20_000)])["cold ms a note beyond start-up"] is None  # one size: no slope


def test_a_watch_that_did_not_answer_fails_its_target():
    """watch_latency is None when watch never rewrote the note: that is no pass."""
    found = judged([row(20_000), row(50_000, watch_latency=None, watch_latency_bounded=None)])
    assert found[WHOLE_VAULT] is False and found[BOUNDED] is False


def test_a_run_from_before_the_bounded_dashboard_is_not_judged_on_it():
    old = row(20_000)
    del old["watch_latency_bounded"]
    assert judged([old])[BOUNDED] is None
