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
from vault_tools.errors import ConfigError, NotWritten, VaultError
from vault_tools.model import CONTACT_SOURCES, CONTACT_STATUSES
from vault_tools.render.diagnostics import FORMATS as DIAGNOSTIC_FORMATS
from vault_tools.render.graph import FORMATS as GRAPH_FORMATS
from vault_tools.render.graph import MERMAID_MAX_EDGES

if TYPE_CHECKING:
    from vault_tools.fingerprint import Fingerprint
    from vault_tools.vault import Vault


class UsageProblem(click.ClickException):
    """A usage or configuration error: exit 2 with the message on stderr."""

    exit_code = 2


class CouldNotWrite(click.ClickException):
    """A file could not be written (disk full, read-only): exit 1 with the message."""

    exit_code = 1


def fail(message: str) -> NoReturn:
    raise UsageProblem(message)


def save_output(content: str | bytes, output: str) -> None:
    """Write an output file (``-o``) in one step; a failure names it and exits 1."""
    from vault_tools.blocks import write_file_atomically

    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        write_file_atomically(Path(output), data)
    except OSError as error:
        raise CouldNotWrite(f"{output}: cannot be written: {error.strerror or error}") from None
    click.echo(f"Wrote {output}", err=True)


def open_vault(path: str | None) -> Vault:
    """The vault at ``path``; without one, the nearest folder upwards that holds
    ``.vault-tools.toml`` or ``.obsidian/`` (as git finds its repository), else ".".
    """
    from vault_tools.forked import default_workers
    from vault_tools.vault import Vault, find_vault_root

    return Vault.load(
        Path(path) if path is not None else find_vault_root(Path.cwd()),
        follow_symlinks=following_symlinks(),
        workers=default_workers(),
        note_cache=using_cache(),
    )


def following_symlinks() -> bool:
    """Whether ``vault-tools --follow-symlinks`` was given (the config can also ask)."""
    return bool(_global_option("follow_symlinks"))


def using_cache() -> bool:
    """False when ``vault-tools --no-cache`` was given."""
    return not _global_option("no_cache")


def _global_option(name: str) -> Any:
    context = click.get_current_context(silent=True)
    return context and context.find_root().params.get(name)


def complete_contact_names(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[Any]:
    """Shell completion of a contact's NAME."""
    return complete_note_names(ctx, param, incomplete, note_type="contact")


def complete_note_names(
    ctx: click.Context, param: click.Parameter, incomplete: str, note_type: str | None = None
) -> list[Any]:
    """Shell completion of NAME: the titles of the notes of the vault found from here."""
    from click.shell_completion import CompletionItem

    from vault_tools.vault import Vault, find_vault_root

    vault_path = ctx.params.get("vault_path")
    try:
        loaded = Vault.load(
            Path(vault_path) if vault_path else find_vault_root(Path.cwd()),
            follow_symlinks=following_symlinks(),
            note_cache=using_cache(),
        )
    except (ConfigError, VaultError, OSError):
        return []
    wanted = incomplete.casefold()
    titles = sorted(
        {
            note.title
            for note in loaded.notes.values()
            if not note.is_template and (note_type is None or note.note_type == note_type)
        }
    )
    return [CompletionItem(title) for title in titles if title.casefold().startswith(wanted)]


def complete_views(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion of the index views."""
    from click.shell_completion import CompletionItem

    from vault_tools.render.views import VIEWS

    return [CompletionItem(name) for name in sorted(VIEWS) if name.startswith(incomplete)]


def shown_path(folder: Path) -> str:
    """``folder`` relative to the current folder when inside it (as CI annotations need),
    else absolute."""
    absolute = folder.resolve()
    try:
        return absolute.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return absolute.as_posix()


vault_argument = click.argument(
    "vault", required=False, default=None, type=click.Path(file_okay=False, path_type=str)
)


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


class Day(click.ParamType):  # type: ignore[type-arg]  # generic from click 8.2 on
    """A date written YYYY-MM-DD, between 1900 and 9000. (click.DateTime would load the
    strptime machinery: milliseconds of every run that pins --today.)"""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, dt.date):
            return value
        text = str(value).strip()
        try:
            digits = text[:4] + text[5:7] + text[8:]
            if len(text) != 10 or text[4] != "-" or text[7] != "-" or not digits.isdigit():
                raise ValueError
            day = dt.date(int(text[:4]), int(text[5:7]), int(text[8:]))
        except ValueError:
            self.fail(f"{value!r} is not a valid date (YYYY-MM-DD).", param, ctx)
        if not 1900 <= day.year <= 9000:
            self.fail("choose a date between 1900 and 9000", param, ctx)
        return day


today_option = click.option(
    "--today",
    type=Day(),
    default=None,
    metavar="YYYY-MM-DD",
    help="The date to count from (default: today), for reproducible results.",
)


vault_option = click.option(
    "--vault",
    "vault_path",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="The vault (default: the nearest folder upwards with .vault-tools.toml or "
    ".obsidian/, else the current folder).",
)


class Group(click.Group):
    """Turns the library's configuration and vault errors into exit 2 with a message,
    and a file it could not write into exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (ConfigError, VaultError) as error:
            raise UsageProblem(str(error)) from None
        except NotWritten as error:
            raise CouldNotWrite(str(error)) from None


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vault-tools")
@click.option(
    "--follow-symlinks",
    is_flag=True,
    help="Read the notes behind symlinks that lead inside the vault (never outside it); "
    "by default symlinks are skipped. Config: follow_symlinks = true.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Parse every note now rather than reuse the parses remembered in the user's cache folder.",
)
def cli(follow_symlinks: bool, no_cache: bool) -> None:
    """Keep a vault of informational-interview notes in shape.

    \b
    Example:
      vault-tools lint example_vault
    """


@cli.command()
@vault_argument
@format_option(*DIAGNOSTIC_FORMATS)
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
    "--no-cache",
    is_flag=True,
    help="Lint every note now, without remembered results or parses.",
)
@today_option
def lint(
    vault: str | None,
    output_format: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    exit_zero: bool,
    no_cache: bool,
    today: dt.date | None,
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
    from vault_tools.cache import cached_lint
    from vault_tools.lint import exit_code
    from vault_tools.model import Severity
    from vault_tools.render.diagnostics import render, summary
    from vault_tools.vault import find_vault_root

    root = Path(vault) if vault is not None else find_vault_root(Path.cwd())
    day = today or dt.date.today()
    try:
        run = cached_lint(
            root,
            select=split_rules(select),
            ignore=split_rules(ignore),
            today=day,
            use_cache=using_cache() and not no_cache,
            follow_symlinks=following_symlinks(),
        )
    except ValueError as error:
        fail(str(error))
    found = run.diagnostics
    said = Transcript()
    said.echo(render(found, output_format, prefix=shown_path(root)), nl=False)
    said.echo(summary(found, run.note_count), err=True)
    threshold = Severity.parse(fail_on) if fail_on else run.config.fail_on
    code = 0 if exit_zero else exit_code(found, threshold)
    said.remember(run.fingerprint, vault=vault, today=today, day=day, exit_code=code)
    sys.exit(code)


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
    type=click.Path(file_okay=False, exists=True),
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


def filter_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The options that narrow the referral graph."""
    options = [
        click.option(
            "--from",
            "start",
            metavar="NAME",
            help="Only NAME and everyone reached through them (title, alias or id).",
        ),
        click.option(
            "--depth",
            type=click.IntRange(min=0),
            default=None,
            help="At most N referrals away from --from, or from where chains start.",
        ),
        click.option("--organization", default=None, help="Only contacts of this organization."),
        click.option("--field", default=None, help="Only contacts in this career field."),
        click.option("--status", default=None, help="Only contacts with this status."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@cli.command()
@vault_argument
@format_option(*GRAPH_FORMATS)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write to FILE instead of stdout (required for svg and png).",
)
@filter_options
@click.option(
    "--root/--no-root",
    "include_root",
    default=False,
    help="Add a node for you, linked through each source to the people you found yourself.",
)
@click.option(
    "--max-edges",
    type=click.IntRange(min=1),
    default=MERMAID_MAX_EDGES,
    show_default=True,
    help="Mermaid's edge limit: above it, say so instead of drawing.",
)
def graph(
    vault: str | None,
    output_format: str,
    output: str | None,
    start: str | None,
    depth: int | None,
    organization: str | None,
    field: str | None,
    status: str | None,
    include_root: bool,
    max_edges: int,
) -> None:
    """Draw who referred you to whom.

    mermaid renders in Obsidian and GitHub (click a name to open the note); tree is for
    the terminal; dot, svg and png are Graphviz; json is networkx node-link data;
    graphml and gexf open in Gephi and yEd.

    \b
    Examples:
      vault-tools graph example_vault
      vault-tools graph example_vault --format tree --root
      vault-tools graph example_vault --from "Maya Chen" --depth 2 --format svg -o maya.svg
    """
    from vault_tools.graph import GraphFilter, PersonNotFound, build_graph
    from vault_tools.render import graph as views

    loaded = open_vault(vault)
    if output_format in views.PICTURE_FORMATS and output is None:
        fail(f"--format {output_format} needs a file: add -o FILE.{output_format}")
    wanted = GraphFilter(depth=depth, organization=organization, field=field, status=status)
    try:
        drawn = build_graph(loaded, include_root=include_root, start=start, wanted=wanted)
        if output_format in views.PICTURE_FORMATS:
            assert output is not None
            picture = views.draw_with_graphviz(drawn, output_format)
        else:
            text = views.render_graph(drawn, output_format, max_edges=max_edges)
    except (PersonNotFound, views.TooManyEdges, views.GraphvizError) as error:
        fail(str(error))
    if output_format in views.PICTURE_FORMATS:
        assert output is not None
        save_output(picture, output)
        return
    if output is None:
        click.echo(text, nl=False)
        return
    save_output(text, output)


@cli.command()
@click.argument("name", shell_complete=complete_contact_names)
@vault_option
@click.option("--all", "every", is_flag=True, help="Every chain, not only the shortest.")
def path(name: str, vault_path: str | None, every: bool) -> None:
    """How you reached NAME: the chain of referrals from where it started.

    One hop per line, with the note and date that state it.

    \b
    Examples:
      vault-tools path "Tomas Reyes" --vault example_vault
      vault-tools path "tomas reyes" --all
    """
    from vault_tools.graph import PersonNotFound, find_person, paths_to, referral_graph
    from vault_tools.render.graph import paths_text

    loaded = open_vault(vault_path)
    full = referral_graph(loaded, include_root=True)
    try:
        target = find_person(full, loaded, name)
    except PersonNotFound as error:
        fail(str(error))
    click.echo(paths_text(full, target, paths_to(full, target, every=every)), nl=False)


@cli.command()
@vault_argument
@format_option("text", "json")
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="How many top referrers to show.",
)
@today_option
def stats(vault: str | None, output_format: str, top: int, today: dt.date | None) -> None:
    """Count contacts and referrals and answer where your network came from.

    Top referrers and their reach, the longest chain, referred people not yet
    contacted, contacts with neither referrer nor source, which sources led to
    interviews, and people interviewed per career field.

    \b
    Examples:
      vault-tools stats example_vault
      vault-tools stats example_vault --format json
    """
    from vault_tools.graph import referral_graph, referral_stats
    from vault_tools.render.stats import stats_text

    loaded = open_vault(vault)
    numbers = referral_stats(loaded, referral_graph(loaded), top=top, today=today)
    if output_format == "json":
        click.echo(json.dumps(numbers, indent=2, ensure_ascii=False))
    else:
        click.echo(stats_text(numbers), nl=False)


@cli.command()
@vault_argument
@click.option(
    "--check",
    is_flag=True,
    help="Change nothing; exit 1 when a block is out of date (for CI and pre-commit).",
)
@click.option(
    "--diff",
    "show_diff",
    is_flag=True,
    help="Change nothing; print what would change as a unified diff.",
)
@click.option("--force", is_flag=True, help="Also regenerate blocks that were edited by hand.")
@click.option(
    "--view",
    "views",
    multiple=True,
    metavar="VIEW",
    shell_complete=complete_views,
    help="Only blocks of this view (repeatable).",
)
@today_option
def index(
    vault: str | None,
    check: bool,
    show_diff: bool,
    force: bool,
    views: tuple[str, ...],
    today: dt.date | None,
) -> None:
    """Regenerate the generated blocks in the notes of VAULT.

    A block is any text between `<!-- vault-tools:begin VIEW [key=value ...] -->` and
    `<!-- vault-tools:end VIEW -->` in any note. Only that text changes; a block edited by
    hand since it was generated is left alone (see --force).

    \b
    Views and their arguments:
      contacts       table of contacts; filter on any contact field, sort=, limit=
      interviews     table of interviews, newest first; filter, sort=, limit=
      follow-ups     thank-yous due, 3B7 follow-ups, interviews to prepare, referrals
      referrals      the referral graph (Mermaid) and top referrers
      organizations  contacts grouped by organization
      fields         people interviewed per career field
    e.g. <!-- vault-tools:begin contacts status=contacted sort=-last_contact limit=20 -->

    \b
    Examples:
      vault-tools index example_vault
      vault-tools index --check
      vault-tools index --diff
      vault-tools index --view follow-ups
    """
    from vault_tools.cache import cached_index_plan
    from vault_tools.index import unified_diff, write_plan
    from vault_tools.model import Severity
    from vault_tools.render.diagnostics import as_text
    from vault_tools.render.views import VIEWS
    from vault_tools.vault import find_vault_root

    unknown = [view for view in views if view not in VIEWS]
    if unknown:
        fail(f"unknown view {unknown[0]!r} (views: {', '.join(sorted(VIEWS))})")
    root = Path(vault) if vault is not None else find_vault_root(Path.cwd())
    day = today or dt.date.today()
    run = cached_index_plan(
        root,
        today=day,
        force=force,
        views=set(views) or None,
        use_cache=using_cache(),
        follow_symlinks=following_symlinks(),
    )
    plan = run.plan
    said = Transcript()
    if plan.diagnostics:
        said.echo(as_text(plan.diagnostics), nl=False, err=True)
    failed = any(item.severity is Severity.ERROR for item in plan.diagnostics)
    if plan.blocks == 0:
        view = sorted(views)[0] if views else "contacts"
        if plan.diagnostics:
            said.echo(
                f"No generated block{_of_views(views)} can be regenerated in {root} (see above).",
                err=True,
            )
        else:
            said.echo(
                f"No generated blocks{_of_views(views)} in {root}. Add one to any note, "
                "for example:\n"
                f"  <!-- vault-tools:begin {view} -->\n"
                f"  <!-- vault-tools:end {view} -->\n"
                "then run `vault-tools index` again.",
                err=True,
            )
        code = 1 if failed else 0
        said.remember(run.fingerprint, vault=vault, today=today, day=day, exit_code=code)
        sys.exit(code)
    if show_diff:
        for update in plan.updates:
            said.echo(unified_diff(update), nl=False)
    if check or show_diff:
        for update in plan.updates:
            said.echo(f"Out of date: {update.path} ({', '.join(update.views)})", err=True)
        if not plan.updates and plan.refused:
            said.echo(
                f"Nothing to regenerate in {plan.blocks - plan.refused} of "
                f"{_count(plan.blocks, 'block')}{_of_views(views)}; {plan.refused} left as "
                "they are (see above).",
                err=True,
            )
        elif not plan.updates:
            every, are = ("The", "is") if plan.blocks == 1 else ("All", "are")
            blocks = f"{_count(plan.blocks, 'block')}{_of_views(views)}"
            said.echo(f"{every} {blocks} {are} up to date.", err=True)
        code = 1 if failed or (check and plan.updates) else 0
        said.remember(run.fingerprint, vault=vault, today=today, day=day, exit_code=code)
        sys.exit(code)
    result = write_plan(plan)
    for update in result.written:
        said.echo(f"Updated {update.path} ({', '.join(update.views)})", err=True)
    for path, why in result.skipped:
        said.echo(f"Not updated: {path}: {why}", err=True)
    unchanged = plan.blocks - plan.refused - sum(len(u.views) for u in plan.updates)
    left = f"; {plan.refused} left as they are (see above)" if plan.refused else ""
    said.echo(
        f"{_count(len(result.written), 'note')} updated; {unchanged} of "
        f"{_count(plan.blocks, 'block')}{_of_views(views)} already up to date{left}.",
        err=True,
    )
    code = 1 if failed or result.skipped else 0
    said.remember(run.fingerprint, vault=vault, today=today, day=day, exit_code=code)
    sys.exit(code)


@cli.command()
@vault_argument
@click.option(
    "--poll",
    is_flag=True,
    help="Poll for changes (network drives, WSL, file systems without native events).",
)
@click.option(
    "--debounce",
    type=click.FloatRange(min=0.01),
    default=0.2,
    show_default=True,
    metavar="SECONDS",
    help="Quiet time after the last change before updating.",
)
@click.option(
    "--max-wait",
    type=click.FloatRange(min=0.05),
    default=2.0,
    show_default=True,
    metavar="SECONDS",
    help="Update at the latest this long after a change, even while changes keep coming.",
)
@click.option("--no-lint", is_flag=True, help="Do not report new and fixed lint problems.")
@today_option
def watch(
    vault: str | None,
    poll: bool,
    debounce: float,
    max_wait: float,
    no_lint: bool,
    today: dt.date | None,
) -> None:
    """Keep the generated blocks of VAULT current while you edit its notes.

    Prints a line for each note that changed, each block note it updated and each lint
    problem that appeared or was fixed. Ctrl-C stops it.

    \b
    Examples:
      vault-tools watch example_vault
      vault-tools watch --poll --debounce 0.5
    """
    import signal

    from vault_tools.watch import Watcher, WatchOptions

    loaded = open_vault(vault)
    options = WatchOptions(
        poll=poll,
        debounce=debounce,
        max_wait=max_wait,
        lint=not no_lint,
        today=today,
    )
    watcher = Watcher(
        loaded,
        options,
        report=click.echo,
        message=lambda text: click.echo(text, err=True),
        ready=lambda: click.echo(f"Watching {loaded.root} (Ctrl-C to stop)", err=True),
    )
    signal.signal(signal.SIGTERM, lambda *_: watcher.stop.set())
    try:
        code = watcher.run()
    except KeyboardInterrupt:
        code = 0
    sys.exit(code)


# -- the interview cycle ----------------------------------------------------------------


@cli.command()
@click.argument(
    "directory", required=False, default=".", type=click.Path(file_okay=False, path_type=str)
)
@click.option("--example", is_flag=True, help="Copy the example vault instead.")
def init(directory: str, example: bool) -> None:
    """Create a vault in DIRECTORY (default: the current folder).

    Makes contacts/, interviews/, organizations/ and templates/ (contact and interview
    templates for Obsidian's Templates plugin), a commented .vault-tools.toml with every
    default, and a Home note with every index view. Existing files are never
    overwritten: they are listed as skipped.

    \b
    Examples:
      vault-tools init my-vault
      vault-tools init demo --example
    """
    from vault_tools.new import NewNoteError, copy_example, init_vault

    root = Path(directory)
    try:
        result = copy_example(root) if example else init_vault(root)
    except NewNoteError as error:
        fail(str(error))
    except OSError as error:
        raise CouldNotWrite(f"{root}: cannot be written: {error.strerror or error}") from None
    for path in result.created:
        click.echo(str(root / path))
    for path in result.skipped:
        click.echo(f"skipped {root / path}: it already exists", err=True)
    click.echo(
        f'Vault ready in {root}. Next: vault-tools new contact "Full Name" --vault {root}', err=True
    )


def open_after(path: Path, editor: bool, obsidian: bool, vault_root: Path) -> None:
    """Open a new note in $EDITOR, or in Obsidian through an obsidian:// URI."""
    from urllib.parse import quote

    if obsidian:
        relative = path.relative_to(vault_root).as_posix()
        click.launch(
            f"obsidian://open?vault={quote(vault_root.resolve().name)}&file={quote(relative)}"
        )
    elif editor:
        click.edit(filename=str(path))


@cli.group()
def new() -> None:
    """Create a contact or an interview note.

    \b
    Examples:
      vault-tools new contact "Maya Chen" --organization "Brightline Labs" --source linkedin
      vault-tools new interview "Maya Chen" --date 2026-10-14 --time 15:30 --questions general
    """


@new.command("contact")
@click.argument("name")
@vault_option
@click.option("--organization", default=None)
@click.option("--role", default=None)
@click.option("--field", default=None, help="The career field you explore with them.")
@click.option(
    "--source",
    default=None,
    type=click.Choice(CONTACT_SOURCES),
    help="Where you found them (default: referral with --referred-by, else other).",
)
@click.option(
    "--referred-by",
    default=None,
    metavar="NAME",
    help="The contact who referred you (must exist, or use --create-referrer).",
)
@click.option("--create-referrer", is_flag=True, help="Create the referrer's note too.")
@click.option("--email", default=None)
@click.option("--linkedin", default=None, metavar="URL")
@click.option(
    "--status", default="identified", show_default=True, type=click.Choice(CONTACT_STATUSES)
)
@click.option("--open", "open_editor", is_flag=True, help="Open the note in $EDITOR.")
@click.option("--obsidian", is_flag=True, help="Open the note in Obsidian.")
def new_contact(
    name: str,
    vault_path: str | None,
    organization: str | None,
    role: str | None,
    field: str | None,
    source: str | None,
    referred_by: str | None,
    create_referrer: bool,
    email: str | None,
    linkedin: str | None,
    status: str,
    open_editor: bool,
    obsidian: bool,
) -> None:
    """Write contacts/NAME.md and print its path.

    \b
    Examples:
      vault-tools new contact "Jordan Alvarez" --referred-by "Maya Chen" --field "UX research"
      vault-tools new contact "Ann Lee" --source alumni-directory --email ann@example.com
    """
    from vault_tools.new import NewNoteError, plan_contact, schema_problems_of, write_new

    loaded = open_vault(vault_path)
    fields = {
        "status": status,
        "source": source,
        "organization": organization,
        "role": role,
        "field": field,
        "email": email,
        "linkedin": linkedin,
    }
    try:
        planned = plan_contact(
            loaded, name, fields=fields, referred_by=referred_by, create_referrer=create_referrer
        )
        problems = schema_problems_of(loaded, planned)
        if problems:
            fail("; ".join(problems) + "; nothing was written")
        written = write_new(loaded, planned)
    except NewNoteError as error:
        fail(str(error))
    for path in written:
        click.echo(str(loaded.root / path))
    if source is None and not referred_by:
        import shlex

        title = shlex.quote(Path(written[-1]).stem)
        click.echo(
            f"source set to 'other'; change it with: vault-tools set -- {title} "
            "source=linkedin (or another source)",
            err=True,
        )
    open_after(loaded.root / written[-1], open_editor, obsidian, loaded.root)


@new.command("interview")
@click.argument("name", shell_complete=complete_contact_names)
@vault_option
@click.option(
    "--date",
    "day",
    type=Day(),
    default=None,
    metavar="YYYY-MM-DD",
    help="The day of the interview (default: today).",
)
@click.option(
    "--time",
    "at",
    type=click.DateTime(formats=["%H:%M"]),
    default=None,
    metavar="HH:MM",
    help="The time of the interview.",
)
@click.option(
    "--format", "interview_format", type=click.Choice(["in-person", "phone", "video"]), default=None
)
@click.option("--location", default=None)
@click.option(
    "--duration", type=click.IntRange(min=1), default=30, show_default=True, help="Minutes."
)
@click.option(
    "--questions",
    "categories",
    default=None,
    metavar="CATEGORY,...",
    help="Fill the Questions section from these question-bank categories.",
)
@click.option("--create-contact", is_flag=True, help="Create the contact's note too.")
@click.option("--open", "open_editor", is_flag=True, help="Open the note in $EDITOR.")
@click.option("--obsidian", is_flag=True, help="Open the note in Obsidian.")
def new_interview(
    name: str,
    vault_path: str | None,
    day: dt.date | None,
    at: dt.datetime | None,
    interview_format: str | None,
    location: str | None,
    duration: int,
    categories: str | None,
    create_contact: bool,
    open_editor: bool,
    obsidian: bool,
) -> None:
    """Write interviews/YYYY-MM-DD NAME.md for the contact NAME and print its path.

    The note has sections for preparation, questions, notes, reflection, referrals and
    the thank-you.

    \b
    Examples:
      vault-tools new interview "Maya Chen" --date 2026-10-14 --time 15:30 --format video
      vault-tools new interview "Maya Chen" --questions "career path,general"
    """
    from vault_tools.new import NewNoteError, plan_interview, schema_problems_of, write_new
    from vault_tools.questions import UnknownCategory, find_categories, question_bank

    loaded = open_vault(vault_path)
    chosen: list[str] = []
    if categories:
        bank = question_bank(loaded.config)
        try:
            names = find_categories(bank, [c.strip() for c in categories.split(",") if c.strip()])
        except UnknownCategory as error:
            fail(str(error))
        chosen = [question for category in names for question in bank[category]]
    fields = {"format": interview_format, "location": location, "duration_minutes": duration}
    try:
        planned = plan_interview(
            loaded,
            name,
            date=day or dt.date.today(),
            time=at.time() if at else None,
            fields=fields,
            questions=chosen,
            create_contact=create_contact,
        )
        problems = schema_problems_of(loaded, planned)
        if problems:
            fail("; ".join(problems) + "; nothing was written")
        written = write_new(loaded, planned)
    except NewNoteError as error:
        fail(str(error))
    for path in written:
        click.echo(str(loaded.root / path))
    open_after(loaded.root / written[-1], open_editor, obsidian, loaded.root)


@cli.command("set")
@click.argument("name", shell_complete=complete_note_names)
@click.argument("assignments", nargs=-1, required=True, metavar="KEY=VALUE...")
@vault_option
@today_option
def set_command(
    name: str, assignments: tuple[str, ...], vault_path: str | None, today: dt.date | None
) -> None:
    """Change frontmatter fields of the note NAME (title, alias or id).

    Only the lines of those keys change (a new key is added before the closing ---);
    comments, key order and every other byte stay. Values are checked against the
    schema first. `today`, `today-7` and `today+3` are dates.

    \b
    Examples:
      vault-tools set "Maya Chen" status=contacted last_contact=today
      vault-tools set "2026-10-14 Maya Chen" thank_you_sent=today
      vault-tools set "Jordan Alvarez" referred_by="[[Maya Chen]]"
    """
    from vault_tools.blocks import NoteChanged
    from vault_tools.edit import EditError, parse_assignment, set_fields

    loaded = open_vault(vault_path)
    found = loaded.find_notes(name)
    if len(found) != 1:
        if found:
            fail(
                f"{name!r} matches several notes: {', '.join(n.path for n in found)}; "
                "write the note id"
            )
        fail(f"no note named {name!r} in {loaded.root}")
    day = today or dt.date.today()
    try:
        parsed = [parse_assignment(text, day) for text in assignments]
        written, _ = set_fields(loaded, found[0], parsed)
    except EditError as error:
        fail(str(error))
    except OSError as error:
        raise CouldNotWrite(
            f"{found[0].path}: cannot be written: {error.strerror or error}; it was left as is"
        ) from None
    except NoteChanged as error:
        raise CouldNotWrite(str(error)) from None
    click.echo(str(loaded.root / found[0].path))
    if not written:
        click.echo("nothing changed: the fields already had those values", err=True)


@cli.command()
@click.argument("categories", nargs=-1)
@vault_option
@format_option("text", "json")
def questions(categories: tuple[str, ...], vault_path: str | None, output_format: str) -> None:
    """Print the question bank, or only CATEGORIES (case-insensitive, prefixes work).

    Categories: Job Description, Career Path, Work Environment, Industry, Preparation,
    Organization/Company, General, plus any from the vault's [questions] config.

    \b
    Examples:
      vault-tools questions
      vault-tools questions "career path" general
    """
    from vault_tools.config import Config, load_config
    from vault_tools.questions import UnknownCategory, find_categories, question_bank
    from vault_tools.vault import find_vault_root

    root = Path(vault_path) if vault_path else find_vault_root(Path.cwd())
    config = load_config(root) if (root / ".vault-tools.toml").is_file() else Config()
    bank = question_bank(config)
    try:
        names = find_categories(bank, list(categories)) if categories else list(bank)
    except UnknownCategory as error:
        fail(str(error))
    if output_format == "json":
        click.echo(json.dumps({name: bank[name] for name in names}, indent=2, ensure_ascii=False))
        return
    for index, name in enumerate(names):
        if index:
            click.echo("")
        click.echo(name)
        for question in bank[name]:
            click.echo(f"  - {question}")


@cli.command()
@vault_argument
@today_option
@format_option("text", "json")
def agenda(vault: str | None, today: dt.date | None, output_format: str) -> None:
    """What needs doing now, most urgent first, each item naming its note.

    Thank-you notes due and overdue; follow-ups by the 3B7 rule (no reply after 3
    business days: try someone else there; after 7: follow up once); interviews in the
    next 7 days and what their preparation still lacks; referrals not yet contacted;
    career fields with fewer than three people interviewed.

    \b
    Examples:
      vault-tools agenda
      vault-tools agenda example_vault --today 2026-12-01 --format json
    """
    from vault_tools.agenda import agenda as build_agenda
    from vault_tools.render.agenda import agenda_text

    loaded = open_vault(vault)
    items = build_agenda(loaded, today or dt.date.today())
    if output_format == "json":
        click.echo(json.dumps([item.to_dict() for item in items], indent=2, ensure_ascii=False))
    else:
        click.echo(agenda_text(items), nl=False)


@cli.command()
@vault_argument
@today_option
@format_option("text", "json")
def status(vault: str | None, today: dt.date | None, output_format: str) -> None:
    """The pipeline at a glance: contacts per status, interviews per month, thank-you
    rate, people interviewed per field, referrals per interview.

    \b
    Examples:
      vault-tools status
      vault-tools status example_vault --format json
    """
    from vault_tools.pipeline import pipeline_status
    from vault_tools.render.pipeline import status_text

    loaded = open_vault(vault)
    numbers = pipeline_status(loaded, today or dt.date.today())
    if output_format == "json":
        click.echo(json.dumps(numbers, indent=2, ensure_ascii=False))
    else:
        click.echo(status_text(numbers), nl=False)


# -- import and export ---------------------------------------------------------------------


@cli.group("import")
def import_group() -> None:
    """Bring contacts in from LinkedIn's export or a vCard file.

    An existing contact (same LinkedIn URL, else email, else name) is never overwritten;
    --update fills only its empty fields.

    \b
    Examples:
      vault-tools import linkedin Connections.csv my-vault --dry-run
      vault-tools import vcard contacts.vcf my-vault --update
    """


def import_options(function: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path)),
        vault_argument,
        click.option(
            "--update", is_flag=True, help="Fill empty fields of contacts that already exist."
        ),
        click.option(
            "--dry-run",
            is_flag=True,
            help="Print what would be created, updated and skipped; write nothing.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def run_import(kind: str, file: Path, vault: str | None, update: bool, dry_run: bool) -> None:
    from vault_tools.importers import (
        ImportProblem,
        apply_import,
        plan_import,
        read_linkedin,
        read_vcards,
    )

    loaded = open_vault(vault)
    try:
        data = file.read_bytes()
        read = (
            read_linkedin(data, file.name) if kind == "linkedin" else read_vcards(data, file.name)
        )
    except ImportProblem as error:
        fail(str(error))
    except OSError as error:
        fail(f"{file}: cannot be read: {error.strerror or error}")
    plan = plan_import(
        loaded, read, source="linkedin" if kind == "linkedin" else "other", update=update
    )
    for path, why in plan.skipped:
        click.echo(f"skip {path}: {why}", err=True)
    if dry_run:
        for planned in plan.create:
            click.echo(f"would create {planned.path}")
        for note, assignments in plan.update:
            click.echo(f"would update {note.path}: {', '.join(a.key for a in assignments)}")
        created, updated = len(plan.create), len(plan.update)
    else:
        result = apply_import(loaded, plan)
        for path in result.created:
            click.echo(f"created {path}")
        for path in result.updated:
            click.echo(f"updated {path}")
        for path, why in result.failed:
            click.echo(f"not written {path}: {why}", err=True)
        created, updated = len(result.created), len(result.updated)
    click.echo(
        f"{'Would create' if dry_run else 'Created'} {created}, "
        f"{'would update' if dry_run else 'updated'} {updated}, skipped {len(plan.skipped)} "
        f"(see above), {plan.duplicates} duplicate rows, {plan.nameless} without a name.",
        err=True,
    )
    if not dry_run and result.failed:
        sys.exit(1)


@import_group.command("linkedin")
@import_options
def import_linkedin(file: Path, vault: str | None, update: bool, dry_run: bool) -> None:
    """Import LinkedIn's Connections.csv (Settings, Data privacy, Get a copy of your data).

    Each connection becomes a contact with source linkedin and status identified.

    \b
    Example:
      vault-tools import linkedin ~/Downloads/Connections.csv my-vault
    """
    run_import("linkedin", file, vault, update, dry_run)


@import_group.command("vcard")
@import_options
def import_vcard(file: Path, vault: str | None, update: bool, dry_run: bool) -> None:
    """Import a vCard file (3.0 or 4.0) exported by a phone or Google Contacts.

    \b
    Example:
      vault-tools import vcard contacts.vcf my-vault --dry-run
    """
    run_import("vcard", file, vault, update, dry_run)


@cli.group("export")
def export_group() -> None:
    """Take interviews and contacts out: a calendar, a spreadsheet, your phone.

    \b
    Examples:
      vault-tools export ics my-vault -o interviews.ics
      vault-tools export csv contacts my-vault -o contacts.csv
      vault-tools export vcard my-vault -o contacts.vcf
    """


output_option = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write to FILE instead of stdout.",
)


def write_output(content: str | bytes, output: str | None) -> None:
    if output is None:
        click.echo(content, nl=False)
        return
    save_output(content, output)


@export_group.command("ics")
@vault_argument
@output_option
@click.option(
    "--timezone",
    default=None,
    metavar="ZONE",
    help="Time zone of times written without one (e.g. Europe/Paris); "
    "default: floating local time.",
)
@today_option
def export_ics(
    vault: str | None, output: str | None, timezone: str | None, today: dt.date | None
) -> None:
    """Interviews as calendar events; thank-yous due and 3B7 follow-ups as to-dos.

    Event ids derive from the notes, so importing the file again updates the calendar
    instead of duplicating it.

    \b
    Example:
      vault-tools export ics my-vault -o interviews.ics --timezone America/Los_Angeles
    """
    from vault_tools.exporters import to_ics

    loaded = open_vault(vault)
    try:
        content = to_ics(loaded, today=today or dt.date.today(), timezone=timezone)
    except ValueError as error:
        fail(str(error))
    write_output(content, output)


@export_group.command("csv")
@click.argument("kind", type=click.Choice(["contacts", "interviews"]))
@vault_argument
@output_option
def export_csv(kind: str, vault: str | None, output: str | None) -> None:
    """Contacts or interviews as CSV for a spreadsheet (formulas neutralized).

    \b
    Example:
      vault-tools export csv interviews my-vault -o interviews.csv
    """
    from vault_tools.exporters import to_csv

    write_output(to_csv(open_vault(vault), kind), output)


@export_group.command("vcard")
@vault_argument
@output_option
def export_vcard(vault: str | None, output: str | None) -> None:
    """Every contact as vCard 4.0, for a phone or Google Contacts.

    \b
    Example:
      vault-tools export vcard my-vault -o contacts.vcf
    """
    from vault_tools.exporters import to_vcard

    write_output(to_vcard(open_vault(vault)), output)


# -- everyday ------------------------------------------------------------------------------


@cli.command("list")
@click.argument("kind", type=click.Choice(["contacts", "interviews"]))
@vault_option
@click.option(
    "--where",
    "conditions",
    multiple=True,
    metavar="FIELD=VALUE",
    help="Keep notes where FIELD =, !=, <, <=, >, >= VALUE, or ~ (contains) TEXT; "
    "repeatable (all must hold). `today`, `today-7` are dates.",
)
@click.option(
    "--sort", default=None, metavar="FIELD", help="Sort by FIELD (prefix - for descending)."
)
@format_option("text", "json", "csv")
@today_option
def list_command(
    kind: str,
    vault_path: str | None,
    conditions: tuple[str, ...],
    sort: str | None,
    output_format: str,
    today: dt.date | None,
) -> None:
    """List contacts or interviews, filtered on any frontmatter field.

    \b
    Examples:
      vault-tools list contacts --where status=contacted --where "contacted_on<today-7"
      vault-tools list interviews --where "date>2026-09-01" --sort -date --format json
      vault-tools list contacts --where field~ux --format csv
    """
    from vault_tools.query import QueryError, parse_condition, select_notes
    from vault_tools.render.listing import render_list

    loaded = open_vault(vault_path)
    try:
        parsed = [parse_condition(text) for text in conditions]
    except QueryError as error:
        fail(str(error))
    notes = select_notes(loaded, kind[:-1], parsed, sort=sort, today=today or dt.date.today())
    click.echo(render_list(notes, kind, output_format), nl=False)
    click.echo(f"{_count(len(notes), kind[:-1])}", err=True)


@cli.group()
def draft() -> None:
    """Draft the first request, or the thank-you, from a contact's notes.

    \b
    Examples:
      vault-tools draft outreach "Maya Chen"
      vault-tools draft thank-you "Maya Chen" --mailto
    """


def draft_options(function: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.argument("name", shell_complete=complete_contact_names),
        vault_option,
        click.option(
            "--mailto",
            is_flag=True,
            help="Print a mailto: link with subject and body, for one-click sending.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def show_draft(made: Any, mailto: bool) -> None:
    for warning in made.warnings:
        click.echo(f"note: {warning}", err=True)
    click.echo(made.mailto() if mailto else made.text, nl=mailto)


def find_contact(loaded: Vault, name: str) -> Any:
    from vault_tools.new import NewNoteError, one_note

    try:
        found = one_note(loaded, name, "contact")
    except NewNoteError as error:
        fail(str(error))
    if found is None:
        fail(f"no contact named {name!r} in {loaded.root}")
    return found


@draft.command("outreach")
@draft_options
def draft_outreach(name: str, vault_path: str | None, mailto: bool) -> None:
    """A short request for a 20 to 30 minute conversation with the contact NAME.

    It says how you got their name (the referrer, or the source), that you are
    researching their field, and asks for no job. Override the wording with
    templates/outreach.md in your vault ({{first_name}}, {{how_found}}, {{field}},
    {{organization}}, {{my_name}}, ...).

    \b
    Example:
      vault-tools draft outreach "Jordan Alvarez" --vault example_vault
    """
    from vault_tools.drafts import outreach

    loaded = open_vault(vault_path)
    show_draft(outreach(loaded, find_contact(loaded, name)), mailto)


@draft.command("thank-you")
@draft_options
@today_option
def draft_thank_you(name: str, vault_path: str | None, mailto: bool, today: dt.date | None) -> None:
    """A thank-you for the latest interview with NAME: what you discussed, whom they
    suggested. Override the wording with templates/thank-you.md.

    \b
    Example:
      vault-tools draft thank-you "Maya Chen" --vault example_vault --mailto
    """
    from vault_tools.drafts import DraftError, thank_you

    loaded = open_vault(vault_path)
    try:
        made = thank_you(loaded, find_contact(loaded, name), today or dt.date.today())
    except DraftError as error:
        fail(str(error))
    show_draft(made, mailto)


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the shell completion script for SHELL.

    Note titles complete wherever a command takes a NAME.

    \b
    Examples:
      vault-tools completion bash >> ~/.bashrc
      vault-tools completion zsh > ~/.zfunc/_vault-tools
      vault-tools completion fish > ~/.config/fish/completions/vault-tools.fish
    """
    from click.shell_completion import get_completion_class

    completer = get_completion_class(shell)
    assert completer is not None  # the three choices are click's built-in shells
    click.echo(completer(cli, {}, "vault-tools", "_VAULT_TOOLS_COMPLETE").source())


@cli.group()
def cache() -> None:
    """See or remove the caches kept outside the vault.

    Lint results and output, and parsed notes, are remembered in the user's cache folder
    ($VAULT_TOOLS_CACHE, else $XDG_CACHE_HOME/vault-tools, else ~/.cache/vault-tools),
    never in the vault. Removing them is always safe: the next run rebuilds them.

    \b
    Examples:
      vault-tools cache info
      vault-tools cache clear example_vault
      vault-tools cache clear --all
    """


@cache.command("info")
@vault_argument
@format_option("text", "json")
def cache_info(vault: str | None, output_format: str) -> None:
    """Show where the caches are, and the size of those of VAULT and of every vault."""
    from vault_tools.user_cache import usage
    from vault_tools.vault import find_vault_root

    found = usage(Path(vault) if vault is not None else find_vault_root(Path.cwd()))
    if output_format == "json":
        click.echo(json.dumps(found, indent=2))
        return
    click.echo(f"Cache folder: {found['folder']}")
    click.echo(f"This vault: {_megabytes(found['vault']['bytes'])}")
    every = found["all"]
    click.echo(f"All vaults: {_megabytes(every['bytes'])} ({_count(every['vaults'], 'vault')})")


@cache.command("clear")
@vault_argument
@click.option("--all", "every_vault", is_flag=True, help="Remove the caches of every vault.")
def cache_clear(vault: str | None, every_vault: bool) -> None:
    """Remove the caches of VAULT (default: the vault found from here), or all."""
    from vault_tools.user_cache import clear
    from vault_tools.vault import find_vault_root

    if every_vault and vault is not None:
        fail("give a VAULT or --all, not both")
    if every_vault:
        click.echo(f"Removed the caches of every vault ({_megabytes(clear(None))}).", err=True)
        return
    root = Path(vault) if vault is not None else find_vault_root(Path.cwd())
    freed = clear(root)
    click.echo(f"Removed the caches of {shown_path(root)} ({_megabytes(freed)}).", err=True)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _of_views(views: tuple[str, ...]) -> str:
    """ " of the views V, W" when ``index --view`` asked for some (the counts are theirs)."""
    if not views:
        return ""
    names = sorted(set(views))
    return f" of the view{'s' if len(names) > 1 else ''} {', '.join(names)}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def main(argv: list[str] | None = None) -> None:
    """Run the command line ``argv`` (default: this process's arguments)."""
    from vault_tools.collector import freeze_after_pauses

    freeze_after_pauses(True)  # watch, the one long-lived command, turns it off
    argv = sys.argv[1:] if argv is None else argv
    cli.main(args=argv, prog_name="vault-tools", obj=Invocation(argv))


class Invocation:
    """The command line being run, for a command to record its output under (see
    replay.py); commands run by other means (tests) have none."""

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv


class Transcript:
    """Echoes a command's output and keeps it, for the command to have it replayed."""

    def __init__(self) -> None:
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.replayable = True

    def echo(self, text: str, *, err: bool = False, nl: bool = True) -> None:
        text = f"{text}\n" if nl else text
        click.echo(text, err=err, nl=False)
        (self.stderr if err else self.stdout).append(text)
        if "\x1b" in text:  # click strips terminal styles on the way, and a replay would not
            self.replayable = False

    def remember(
        self,
        fingerprint: Fingerprint | None,
        *,
        vault: str | None,
        today: dt.date | None,
        day: dt.date,
        exit_code: int,
    ) -> None:
        """Have the next run of this command line replay what was echoed (see replay.py),
        as long as what ``fingerprint`` covers is unchanged (None: it cannot be trusted).
        ``vault`` and ``today`` are the command's arguments (None: not given), ``day`` the
        date it went by."""
        context = click.get_current_context(silent=True)
        invocation = context.find_root().obj if context is not None else None
        if fingerprint is None or not self.replayable or not isinstance(invocation, Invocation):
            return
        from vault_tools.replay import remember

        remember(
            invocation.argv,
            fingerprint,
            discovered=vault is None,
            clock_day=None if today is not None else day.isoformat(),
            stdout="".join(self.stdout),
            stderr="".join(self.stderr),
            exit_code=exit_code,
        )
