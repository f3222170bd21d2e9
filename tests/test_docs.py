"""The docs promise: every command has help with an example and is in the README;
every rule has a full doc; the CLI starts without its heavy dependencies."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from vault_tools.cli import cli
from vault_tools.rules.registry import RULES

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.stdout
    assert f"vault-tools {name}" in result.stdout


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_in_the_readme(name):
    assert f"vault-tools {name}" in README


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_every_rule_is_documented_in_the_readme(rule):
    assert rule.name in README and rule.code in README


def test_readme_opens_with_exactly_two_quick_start_commands():
    quick_start = README.split("```", 2)[1]
    commands = [line for line in quick_start.splitlines()[1:] if line.strip()]
    assert len(commands) == 2
    assert "example_vault" in commands[0]
    assert "[test]" in commands[1] and "pytest" in commands[1]


def test_help_does_not_import_heavy_modules():
    code = (
        "import sys\n"
        "from vault_tools.cli import cli\n"
        "try:\n    cli(['--help'], prog_name='vault-tools')\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('yaml', 'jsonschema', 'networkx', 'watchdog') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "HEAVY="


def test_every_test_the_reliability_section_names_exists():
    """A promise pointing at a renamed or deleted test would prove nothing."""
    import re

    tests = Path(__file__).resolve().parent
    section = README.split("## Reliability", 1)[1].split("\n## ", 1)[0]
    files = set(re.findall(r"\b(test_\w+\.py)\b", section))
    names = set(re.findall(r"\b(test_\w+)\b(?!\.py)", section)) - {f[:-3] for f in files}
    assert files and names
    for file in files:
        assert (tests / file).is_file(), file
    defined = {
        match
        for path in tests.glob("test_*.py")
        for match in re.findall(r"^(?:async )?def (test_\w+)", path.read_text(), re.MULTILINE)
    }
    assert names <= defined, sorted(names - defined)
