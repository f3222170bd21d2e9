"""The records' own machinery: quick construction and compact pickling."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import dataclass, field

import pytest

from vault_tools.model import Diagnostic, Link, Note, Position, Severity, quick_init


def _record_class():
    @dataclass(frozen=True, slots=True)
    class Record:
        name: str
        count: int = 0
        items: dict[str, int] = field(default_factory=dict)

    return Record


def _plain_and_quick():
    return _record_class(), quick_init(_record_class())


def test_quick_init_builds_what_the_dataclass_init_builds():
    plain, quick = _plain_and_quick()
    for args, kwargs in [(("a",), {}), (("a", 2), {}), ((), {"name": "a", "items": {"x": 1}})]:
        assert dataclasses.astuple(quick(*args, **kwargs)) == dataclasses.astuple(
            plain(*args, **kwargs)
        )
    assert quick("a").items is not quick("a").items  # a fresh default from the factory
    with pytest.raises(TypeError):
        quick()
    with pytest.raises(TypeError):
        quick("a", unknown=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        quick("a").count = 3  # type: ignore[misc]


def test_quick_init_refuses_fields_it_cannot_build():
    @dataclass(frozen=True, slots=True)
    class Later:
        name: str
        hidden: int = field(default=0, init=False)

    with pytest.raises(TypeError, match="hidden"):
        quick_init(Later)


@pytest.mark.parametrize(
    "record",
    [
        Link("Jane Doe", 3, 5, heading="Notes", alias="Jane", raw="[[Jane Doe#Notes|Jane]]"),
        Position(2, 7),
        Note(
            "people/a",
            "people/a.md",
            {"type": "contact"},
            "body",
            positions={("x",): Position(1, 1)},
        ),
        Diagnostic("a.md", 1, 2, Severity.ERROR, "VT001", "rule", "message", "fix"),
    ],
)
def test_records_survive_pickling_and_replace(record):
    assert pickle.loads(pickle.dumps(record)) == record
    if not isinstance(record, Note):  # (a note holds dicts: never hashable)
        assert hash(pickle.loads(pickle.dumps(record))) == hash(record)
    assert dataclasses.replace(record) == record
