"""`vault-tools rules` and `vault-tools schema`."""

from __future__ import annotations

import json

from click.testing import CliRunner

from vault_tools.cli import cli
from vault_tools.rules.registry import RULES


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_rules_lists_every_rule_once():
    result = run("rules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[:3] for line in lines] == [
        [rule.code, rule.name, rule.severity.value] for rule in RULES
    ]


def test_rule_doc_by_name_and_by_code():
    by_name = run("rules", "broken-link")
    by_code = run("rules", "vt301")
    assert by_name.exit_code == by_code.exit_code == 0
    assert by_name.stdout == by_code.stdout
    for section in ("## What it does", "## Why", "## Example", "## How to fix"):
        assert section in by_name.stdout


def test_rules_json():
    result = run("rules", "--format", "json")
    items = json.loads(result.stdout)
    assert [item["name"] for item in items] == [rule.name for rule in RULES]
    one = json.loads(run("rules", "duplicate-contact", "--format", "json").stdout)
    assert one["code"] == "VT403" and one["severity"] == "warning"


def test_unknown_rule_is_exit_2():
    result = run("rules", "nope")
    assert result.exit_code == 2
    assert "nope" in result.stderr and result.stdout == ""


def test_schema_prints_each_default_type():
    for note_type, required in (
        ("contact", ["type", "status", "source"]),
        ("interview", ["type", "contact", "date"]),
        ("organization", ["type"]),
    ):
        result = run("schema", note_type)
        assert result.exit_code == 0
        assert json.loads(result.stdout)["required"] == required


def test_schema_without_type_prints_all():
    assert set(json.loads(run("schema").stdout)) == {"contact", "interview", "organization"}


def test_schema_unknown_type_is_exit_2():
    result = run("schema", "meeting")
    assert result.exit_code == 2 and "meeting" in result.stderr


def test_schema_shows_a_vaults_extension(make_vault):
    root = make_vault(
        {
            ".vault-tools.toml": '[schema.contact]\nrequired = ["pronouns"]\n'
            '[schema.contact.properties.pronouns]\ntype = "string"\n',
        }
    )
    schema = json.loads(run("schema", "contact", "--vault", str(root)).stdout)
    assert "pronouns" in schema["required"]
    assert schema["properties"]["pronouns"] == {"type": "string"}
    assert "email" in schema["properties"]
