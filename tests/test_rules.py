"""Rule fixtures: one small vault per rule, and the lint output it must produce.

In the style of flake8's and ruff's per-rule fixtures, the fixture with its expected
output *is* the test. The layout under ``tests/fixtures/rules/``::

    <rule-name>/                 a vault that triggers the rule at least once, and holds
                                 near-misses that must not trigger it
    <rule-name>.expected         the golden: what ``vault-tools lint --select <rule-name>
                                 --today 2026-12-01`` prints for that vault
    <rule-name>--<case>/         more vaults for the same rule (used for known bugs)
    <rule-name>--<case>.expected

The golden sits next to the vault, not inside it, so that it is no file of the vault
(a ``.txt`` inside would count as an attachment). Every rule of the registry must have
its ``<rule-name>/`` folder, or ``test_rule_fixture`` fails for it.

A golden is the ``as_text`` rendering: ``path:line:col: severity code [rule] message``,
then ``    fix: ...`` when the diagnostic has a fix. Paths are vault-relative, so the
goldens do not depend on where the checkout is.

To regenerate goldens on purpose after an intended change of messages or positions::

    VAULT_TOOLS_UPDATE_GOLDEN=1 python -m pytest tests/test_rules.py

then read every changed golden (``git diff tests/fixtures``) before committing it. The
goldens of ``KNOWN_BUGS`` cases are never overwritten: they hold the *correct* output,
written by hand, and the cases are expected to fail until the bug is fixed.

Two fixtures need more than files:

* ``unreadable-file``: the test copies the vault to a temporary folder and makes
  ``LOCKED`` unreadable (mode 000) there. Root reads anything, so that test is skipped
  for root (and its golden is not rewritten there); ``test_unreadable_file_simulated``
  runs for everyone by making ``open`` and ``os.scandir`` in vault.py fail as they do for
  a mode-000 file, so it must follow vault.py if that reads files another way.
* ``invalid-encoding``: its Windows-1252, UTF-16 and NUL bytes are committed as they are.
* ``name-clash``: names that differ only in case or Unicode form cannot be checked out
  on macOS or Windows, so the test copies the vault and adds ``TWINS`` there.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLE_VAULT
from vault_tools.lint import lint
from vault_tools.render.diagnostics import as_text
from vault_tools.rules.registry import BY_NAME, RULES
from vault_tools.vault import Vault

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rules"
TODAY = dt.date(2026, 12, 1)
UPDATE_GOLDEN = os.environ.get("VAULT_TOOLS_UPDATE_GOLDEN") == "1"

KNOWN_BUGS: dict[str, str] = {}

# Paths of the unreadable-file fixture made unreadable at test time: a note and a folder
# that must be reported, and an ignored note and a hidden note that must not be.
LOCKED = ("contacts/Locked.md", "Locked Folder", "Private/Secret.md", ".hidden.md")

# Files the name-clash fixture gets at test time, each the twin of a committed file.
TWINS = {
    "contacts/ann lee.md": "Twin of 'Ann Lee.md' in case.\n",
    "contacts/Jose\u0301.md": "Twin of 'José.md' (composed) in Unicode form.\n",
    "attachments/Photo.PNG": "twin",
}


def extra_cases() -> list[str]:
    return sorted(path.name for path in FIXTURES.iterdir() if path.is_dir() and "--" in path.name)


def case_param(case: str) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[case])] if case in KNOWN_BUGS else []
    return pytest.param(case, id=case, marks=marks)


CASES = [case_param(rule.name) for rule in RULES] + [case_param(case) for case in extra_cases()]


def rule_of(case: str) -> str:
    return case.split("--", 1)[0]


def lint_output(vault_root: Path, rule_name: str) -> str:
    return as_text(lint(Vault.load(vault_root), select_rules=[rule_name], today=TODAY))


def check_golden(case: str, actual: str) -> None:
    golden = FIXTURES / f"{case}.expected"
    if UPDATE_GOLDEN and case not in KNOWN_BUGS:
        golden.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert golden.is_file(), (
        f"no golden {golden.name}; write it with VAULT_TOOLS_UPDATE_GOLDEN=1 and read it"
    )
    assert actual == golden.read_text(encoding="utf-8")


@pytest.fixture
def locked_vault(tmp_path: Path) -> Iterator[Path]:
    """A copy of the unreadable-file fixture with ``LOCKED`` at mode 000 (restored after)."""
    root = tmp_path / "unreadable-file"
    shutil.copytree(FIXTURES / "unreadable-file", root)
    for relative in LOCKED:
        (root / relative).chmod(0)
    try:
        yield root
    finally:
        for relative in LOCKED:
            (root / relative).chmod(0o755 if (root / relative).is_dir() else 0o644)


@pytest.fixture
def vault_with_twins(tmp_path: Path) -> Path:
    root = tmp_path / "name-clash"
    shutil.copytree(FIXTURES / "name-clash", root)
    for relative, text in TWINS.items():
        (root / relative).write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("case", CASES)
def test_rule_fixture(case: str, request: pytest.FixtureRequest) -> None:
    rule_name = rule_of(case)
    assert rule_name in BY_NAME, f"fixture {case!r} names no rule of the registry"
    vault_root = FIXTURES / case
    assert vault_root.is_dir(), f"rule {rule_name!r} has no fixture folder {vault_root}"
    if case == "unreadable-file":
        if os.geteuid() == 0:
            pytest.skip("root can read a file of mode 000 (see test_unreadable_file_simulated)")
        vault_root = request.getfixturevalue("locked_vault")
    if case == "name-clash":
        vault_root = request.getfixturevalue("vault_with_twins")
    check_golden(case, lint_output(vault_root, rule_name))


def test_every_fixture_folder_is_a_rule() -> None:
    """A fixture for a renamed or retired rule would silently test nothing."""
    for path in FIXTURES.iterdir():
        if path.is_dir():
            assert rule_of(path.name) in BY_NAME, f"{path.name}: no such rule"
        else:
            assert path.suffix == ".expected" and (FIXTURES / path.stem).is_dir(), (
                f"{path.name}: a golden with no fixture folder"
            )


def test_known_bugs_are_fixtures() -> None:
    for case in KNOWN_BUGS:
        assert (FIXTURES / case).is_dir(), case
        assert KNOWN_BUGS[case].startswith("BUG: ")


def test_unreadable_file_simulated(monkeypatch: pytest.MonkeyPatch) -> None:
    """The unreadable-file golden, with reads that fail as they do for a mode-000 file.

    It runs as root too, where chmod cannot make a file unreadable.
    """
    import vault_tools.listing as listing_module
    import vault_tools.vault as vault_module

    root = FIXTURES / "unreadable-file"
    locked = {root / relative for relative in LOCKED}

    def denied(path: object) -> PermissionError:
        return PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    def open_unless_locked(path: Path, *args: Any, **kwargs: Any) -> Any:
        if Path(path) in locked:
            raise denied(path)
        return open(path, *args, **kwargs)

    class OsWithLockedFolders:
        def __getattr__(self, name: str) -> object:
            return getattr(os, name)

        def open(self, path: str | os.PathLike[str], *args: Any, **kwargs: Any) -> int:
            if Path(path) in locked:  # a folder is listed through a descriptor
                raise denied(path)
            return os.open(path, *args, **kwargs)

        def scandir(self, path: int | str | os.PathLike[str]) -> object:
            if not isinstance(path, int) and Path(path) in locked:
                raise denied(path)
            return os.scandir(path)

    monkeypatch.setattr(vault_module, "open", open_unless_locked, raising=False)
    monkeypatch.setattr(vault_module, "os", OsWithLockedFolders())
    monkeypatch.setattr(listing_module, "os", OsWithLockedFolders())
    expected = (FIXTURES / "unreadable-file.expected").read_text(encoding="utf-8")
    assert lint_output(root, "unreadable-file") == expected


# -- the registry ------------------------------------------------------------------------

DOC_SECTIONS = ("## What it does", "## Why", "## Example", "## How to fix")


def test_codes_and_names_are_unique() -> None:
    codes = [rule.code for rule in RULES]
    names = [rule.name for rule in RULES]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)
    assert not set(codes) & set(names)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_code_and_name_are_well_formed(rule) -> None:
    assert re.fullmatch(r"VT[1-9]\d\d", rule.code)
    assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", rule.name)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_doc_has_every_section_with_text(rule) -> None:
    doc = rule.doc
    assert rule.name in doc and rule.code in doc
    positions = [doc.find(f"\n{section}\n") for section in DOC_SECTIONS]
    assert all(position != -1 for position in positions), doc
    assert positions == sorted(positions), "sections out of order"
    ends = [*positions[1:], len(doc)]
    for section, start, end in zip(DOC_SECTIONS, positions, ends, strict=True):
        body = doc[start + len(section) + 2 : end]
        assert body.strip(), f"{rule.name}: section {section!r} is empty"


# -- per-note suppression ----------------------------------------------------------------

JANE = "---\ntype: contact\nstatus: contacted\nsource: friend\n---\n# Notes\n"


def linted(root: Path, *rules: str) -> str:
    return as_text(lint(Vault.load(root), select_rules=list(rules), today=TODAY))


def note_with(ignore_line: str) -> str:
    return f"---\n{ignore_line}\n---\nSee [[Jane Doo]] and [[Jane Doe#Nowhere]].\n"


def test_suppression_by_name_applies_to_that_note_only(make_vault) -> None:
    root = make_vault(
        {
            "contacts/Jane Doe.md": JANE,
            "Quiet.md": note_with("vault-tools-ignore: [broken-link]"),
            "Loud.md": note_with("tags: [plain]"),
        }
    )
    assert linted(root, "broken-link") == (
        "Loud.md:4:5: warning VT301 [broken-link] [[Jane Doo]] does not resolve to any "
        "note or file\n"
        "    fix: correct the name, or create the note\n"
    )


def test_suppression_leaves_other_rules_of_the_note_on(make_vault) -> None:
    root = make_vault(
        {
            "contacts/Jane Doe.md": JANE,
            "Quiet.md": note_with("vault-tools-ignore: [broken-link]"),
        }
    )
    assert linted(root, "VT3") == (
        "Quiet.md:4:22: warning VT303 [broken-heading-link] [[Jane Doe#Nowhere]]: "
        "'Jane Doe' has no heading 'Nowhere'\n"
    )


@pytest.mark.parametrize(
    "ignore_line",
    [
        "vault-tools-ignore: [VT301, VT303]",
        "vault-tools-ignore: [vt301, broken-heading-link]",
        "vault-tools-ignore: VT3",
        "vault-tools-ignore:\n  - broken-link\n  - VT303",
    ],
)
def test_suppression_accepts_codes_prefixes_and_a_single_value(make_vault, ignore_line) -> None:
    root = make_vault({"contacts/Jane Doe.md": JANE, "Quiet.md": note_with(ignore_line)})
    assert linted(root, "VT3") == ""


def test_suppression_skips_unknown_names_and_keeps_the_others(make_vault) -> None:
    root = make_vault(
        {
            "contacts/Jane Doe.md": JANE,
            "Quiet.md": note_with("vault-tools-ignore: [no-such-rule, broken-link]"),
        }
    )
    assert "[broken-link]" not in linted(root, "VT3")
    assert "[broken-heading-link]" in linted(root, "VT3")


def test_suppression_covers_problems_found_while_reading(make_vault) -> None:
    text = "---\nvault-tools-ignore: [duplicate-key]\nstatus: a\nstatus: b\n---\n"
    root = make_vault({"Quiet.md": text, "Loud.md": text.replace("[duplicate-key]", "[]")})
    assert linted(root, "duplicate-key") == (
        "Loud.md:4:1: error VT106 [duplicate-key] key 'status' is written twice (first on "
        "line 3); only this value is kept\n"
        "    fix: delete one of the two lines\n"
    )


def test_property_by_property_validation_matches_whole_validation():
    """SchemaChecker's validity check and per-property memo are optimizations: same
    diagnostics either way."""
    from vault_tools.rules.fields import SchemaChecker
    from vault_tools.schema import effective_schemas

    folders = [EXAMPLE_VAULT, *sorted(p for p in FIXTURES.iterdir() if p.is_dir())]
    for folder in folders:
        vault = Vault.load(folder)
        schemas = effective_schemas(vault.config, vault.root)
        split = SchemaChecker(vault, schemas, split=True)
        whole = SchemaChecker(vault, schemas, split=False)
        plain = SchemaChecker(vault, schemas, split=False, fast=False)
        for note in vault.notes.values():
            assert split.check(note) == whole.check(note) == plain.check(note), note.path


RICH_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["type", "status"],
    "$defs": {"word": {"type": "string", "pattern": "^[a-z]+$"}},
    "properties": {
        "type": {"const": "contact"},
        "status": {"enum": ["identified", "contacted", 3, True, None]},
        "source": {"anyOf": [{"enum": ["friend", "other"]}, {"type": "integer", "maximum": 5}]},
        "email": {"type": "string", "format": "email", "minLength": 6, "maxLength": 12},
        "phone": {"oneOf": [{"type": "string"}, {"type": "number"}, {"type": "integer"}]},
        "referred_by": {"x-link-type": "contact"},
        "tags": {
            "type": "array",
            "items": {"type": "string", "not": {"const": "x"}},
            "minItems": 1,
            "maxItems": 2,
        },
        "aliases": {"type": "array", "items": False},
        "role": False,
        "priority": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10},
        "meta": {
            "type": "object",
            "properties": {"a": {"type": "integer", "minimum": 1}, "b": {"x-link-type": "contact"}},
            "required": ["a"],
            "additionalProperties": {"type": "string"},
        },
        "field": {"$ref": "#/$defs/word"},
        "last_contact": {"type": ["string", "null"], "format": "date"},
        "location": {"type": "object", "patternProperties": {"^x": {"type": "integer"}}},
    },
    "additionalProperties": {"type": ["string", "array", "boolean"]},
    "dependentRequired": {"email": ["source"]},
    "if": {"properties": {"status": {"const": "contacted"}}, "required": ["status"]},
    "then": {"required": ["last_contact"]},
    "else": {"properties": {"source": {"not": {"const": "other"}}}},
}
ODD_VALUES = [
    "identified", "contacted", "Friend", "other", "x", "''", "~", "true", "3", "3.0", "2.5",
    "-1", "0", "1", "5", "6", "10", "12", "2026-01-10", "2026-13-40", "'2026-01-10T15:30'",
    "a@b.c", "a@b.cd", "bad@", "abcd@efgh.ij", "averylongname@example.com",
    '"[[Jane Doe]]"', '"[[Acme]]"', '"[[Nobody]]"', "[[Jane Doe]]", '"not a link"',
    "[]", "[a]", "[a, b]", "[a, b, c]", "[x]", "[1, 2]", "[[a], b]",
    "{a: 1}", "{a: 0, b: '[[Acme]]'}", "{a: 2, b: '[[Jane Doe]]', c: 3}", "{x1: 1}", "{x1: a}",
]  # fmt: skip


def test_validity_check_matches_jsonschema_on_broken_frontmatter(make_vault) -> None:
    """Every keyword the validity check compiles, and some it leaves to jsonschema."""

    from vault_tools.rules.fields import SchemaChecker
    from vault_tools.schema import effective_schemas

    fields = [*RICH_SCHEMA["properties"], "extra"]
    notes = {
        f"{folder}/{field} {index}.md": f"---\n{base}{field}: {value}\n---\n"
        for folder, base in (
            ("contacts", "type: contact\nstatus: identified\nsource: friend\n"),
            ("people", "status: contacted\n"),  # typed by its folder
            ("sourceless", "type: contact\nstatus: identified\n"),
        )
        for field in fields
        for index, value in enumerate(ODD_VALUES)
    }
    root = make_vault(
        {
            ".vault-tools.toml": '[types]\nfolders = { "people" = "contact" }\n'
            '[schema.contact]\nfile = "contact.json"\n',
            "contact.json": json.dumps(RICH_SCHEMA),
            "Jane Doe.md": "---\ntype: contact\nstatus: contacted\n---\n",
            "Acme.md": "---\ntype: organization\n---\n",
            **notes,
        }
    )
    vault = Vault.load(root)
    schemas = effective_schemas(vault.config, vault.root)
    fast = SchemaChecker(vault, schemas)
    plain = SchemaChecker(vault, schemas, split=False, fast=False)
    valid = 0
    for note in vault.notes.values():
        expected = plain.check(note)
        assert fast.check(note) == expected, note.path
        valid += not expected
    assert 0 < valid < len(vault.notes)


def test_a_schema_file_of_another_draft_is_validated_by_its_rules(make_vault) -> None:
    draft_07 = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {"pair": {"type": "array", "items": [{"type": "string"}]}},
    }
    root = make_vault(
        {
            ".vault-tools.toml": '[schema.organization]\nfile = "organization.json"\n',
            "organization.json": json.dumps(draft_07),
            "Acme.md": "---\ntype: organization\npair: [1]\n---\n",
            "Globex.md": "---\ntype: organization\npair: [one, 2]\n---\n",
        }
    )
    found = lint(Vault.load(root), select_rules=["invalid-field-value"])
    assert [(item.path, item.rule) for item in found] == [("Acme.md", "invalid-field-value")]


def test_valid_notes_are_not_validated_by_jsonschema() -> None:
    from vault_tools.rules.fields import SchemaChecker
    from vault_tools.schema import effective_schemas

    vault = Vault.load(EXAMPLE_VAULT)
    schemas = effective_schemas(vault.config, vault.root)
    reference = SchemaChecker(vault, schemas, fast=False)
    valid = [note for note in vault.notes.values() if note.note_type and not reference.check(note)]
    checker = SchemaChecker(vault, schemas)
    for note in valid:
        assert checker.check(note) == []
    assert {note.note_type for note in valid} == {"contact", "interview", "organization"}
    assert not checker.validators and not checker.parts


def test_the_compiled_check_knows_the_keywords_and_formats_jsonschema_knows() -> None:
    import jsonschema

    from vault_tools.rules.fields import DRAFT_2020_12, DRAFT_2020_12_KEYWORDS, FORMATS

    assert set(jsonschema.Draft202012Validator.VALIDATORS) == DRAFT_2020_12_KEYWORDS
    assert jsonschema.Draft202012Validator.META_SCHEMA["$id"] == DRAFT_2020_12
    # The formats jsonschema is given (for its messages) are the compiled check's.
    from vault_tools.rules.fields import SchemaChecker

    checker = SchemaChecker(Vault.load(EXAMPLE_VAULT), {})
    assert set(checker.formats.checkers) == set(FORMATS)
    for name, good, bad in [
        ("date", "2026-10-01", "2026-13-45"),
        ("date-time", "2026-10-01T10:30", "10:30"),
        ("email", "ann@example.org", "ann@example"),
    ]:
        assert checker.formats.conforms(good, name)
        assert not checker.formats.conforms(bad, name)


def test_linting_valid_notes_does_without_jsonschema(tmp_path) -> None:
    """jsonschema takes a third of a small vault's lint to import: only a note the
    compiled check cannot pass loads it."""
    import subprocess
    import sys

    invalid = tmp_path / "invalid"
    shutil.copytree(EXAMPLE_VAULT, invalid)
    contact = next((invalid / "contacts").glob("*.md"))
    text = contact.read_text(encoding="utf-8")
    contact.write_text(re.sub(r"(?m)^status: .*$", "status: sleeping", text, count=1))

    def lint_loads_jsonschema(vault: Path) -> tuple[bool, str]:
        code = (
            "import sys\n"
            "from vault_tools.cli import cli\n"
            f"try:\n    cli(['--no-cache', 'lint', {str(vault)!r}], prog_name='vault-tools')\n"
            "except SystemExit:\n    pass\n"
            "print('LOADED=' + str('jsonschema' in sys.modules))\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        *output, loaded = result.stdout.strip().splitlines()
        return loaded == "LOADED=True", "\n".join(output)

    loaded, output = lint_loads_jsonschema(EXAMPLE_VAULT)  # every note valid
    assert not loaded
    assert "pending-referral" in output and "invalid-field-value" not in output
    loaded, output = lint_loads_jsonschema(invalid)
    assert loaded
    assert "invalid-field-value" in output and "sleeping" in output
