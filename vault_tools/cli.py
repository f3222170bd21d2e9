"""The ``vault-tools`` command line: click commands over the library, and nothing else.

Library modules are imported inside each command so that ``vault-tools --help``
starts without loading YAML, jsonschema or networkx.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from vault_tools import __version__

if TYPE_CHECKING:
    from vault_tools.vault import Vault


class UsageProblem(click.ClickException):
    """A usage or configuration error: exit 2 with the message on stderr."""

    exit_code = 2


def fail(message: str) -> NoReturn:
    raise UsageProblem(message)


def open_vault(path: str) -> Vault:
    from vault_tools.config import ConfigError
    from vault_tools.vault import Vault, VaultError

    try:
        return Vault.load(Path(path))
    except (VaultError, ConfigError) as error:
        fail(str(error))


def split_rules(values: tuple[str, ...]) -> list[str]:
    """``--select a,b --select c`` as ``[a, b, c]``."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def format_option(*choices: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help="Output format.",
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vault-tools")
def cli() -> None:
    """Keep a vault of informational-interview notes in shape.

    \b
    Example:
      vault-tools lint example_vault
    """


@cli.command()
@click.argument("vault", default=".", type=click.Path(file_okay=False, path_type=str))
@format_option("text", "json", "github")
@click.option(
    "--select",
    multiple=True,
    metavar="RULES",
    help="Only these rules (names, codes or code prefixes such as VT3; comma-separated, "
    "repeatable). Replaces the config's select.",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="RULES",
    help="Skip these rules (comma-separated, repeatable). Adds to the config's ignore.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    default=None,
    help="Lowest severity that makes the exit code 1.  [default: error, or lint.fail_on]",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when problems are found.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="Date to check against, for reproducible date rules.",
)
def lint(
    vault: str,
    output_format: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    exit_zero: bool,
    today: dt.datetime | None,
) -> None:
    """Check every note of VAULT (default: the current folder).

    Prints one line per problem, `path:line:col: severity code [rule] message`,
    sorted by path, line and column, and a summary on stderr. Exit 0 when nothing at
    or above --fail-on is found, 1 when something is, 2 for usage or config errors.

    \b
    Examples:
      vault-tools lint example_vault
      vault-tools lint --select broken-link,VT2 --format json
      vault-tools lint --format github --fail-on warning
    """
    from vault_tools.lint import exit_code
    from vault_tools.lint import lint as run_lint
    from vault_tools.model import Severity
    from vault_tools.render.diagnostics import render, summary

    loaded = open_vault(vault)
    try:
        found = run_lint(
            loaded,
            select_rules=split_rules(select),
            ignore_rules=split_rules(ignore),
            today=today.date() if today else None,
        )
    except ValueError as error:
        fail(str(error))
    click.echo(render(found, output_format, prefix=vault), nl=False)
    click.echo(summary(found, len(loaded.notes)), err=True)
    threshold = Severity.parse(fail_on) if fail_on else loaded.config.fail_on
    sys.exit(0 if exit_zero else exit_code(found, threshold))


@cli.command()
@click.argument("name", required=False)
@format_option("text", "json")
def rules(name: str | None, output_format: str) -> None:
    """List the rules, or show the full doc of rule NAME (a name or a code).

    \b
    Examples:
      vault-tools rules
      vault-tools rules broken-link
      vault-tools rules VT301 --format json
    """
    from vault_tools.rules.registry import RULES, lookup

    if name is not None:
        rule = lookup(name)
        if rule is None:
            fail(f"unknown rule {name!r} (`vault-tools rules` lists them)")
        if output_format == "json":
            click.echo(json.dumps(_rule_dict(rule), indent=2))
        else:
            click.echo(rule.doc, nl=False)
        return
    if output_format == "json":
        click.echo(json.dumps([_rule_dict(rule) for rule in RULES], indent=2))
        return
    width = max(len(rule.name) for rule in RULES)
    for rule in RULES:
        click.echo(f"{rule.code}  {rule.name:<{width}}  {rule.severity.value:<7}  {rule.title}")


def _rule_dict(rule: Any) -> dict[str, str]:
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity.value,
        "title": rule.title,
        "summary": rule.summary,
        "why": rule.why,
        "example": rule.example,
        "how_to_fix": rule.how_to_fix,
    }


@cli.command()
@click.argument("note_type", metavar="[TYPE]", required=False)
@click.option(
    "--vault",
    "vault_path",
    type=click.Path(file_okay=False),
    default=None,
    help="Print the schemas in force in this vault (with its .vault-tools.toml).",
)
def schema(note_type: str | None, vault_path: str | None) -> None:
    """Print the JSON Schema of a note TYPE (contact, interview, organization), or all of them.

    \b
    Examples:
      vault-tools schema contact
      vault-tools schema --vault example_vault
    """
    from vault_tools.config import Config, ConfigError, load_config
    from vault_tools.schema import effective_schemas

    root = Path(vault_path) if vault_path else None
    try:
        config = load_config(root) if root else Config()
        schemas = effective_schemas(config, root)
    except ConfigError as error:
        fail(str(error))
    if note_type is None:
        click.echo(json.dumps(schemas, indent=2, ensure_ascii=False))
        return
    if note_type not in schemas:
        fail(f"unknown note type {note_type!r} (known: {', '.join(schemas)})")
    click.echo(json.dumps(schemas[note_type], indent=2, ensure_ascii=False))


def main() -> None:
    cli(prog_name="vault-tools")
