"""Run the rules over a vault: select and ignore, suppress, set severities, sort."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any

from vault_tools import forked
from vault_tools.collector import gc_paused
from vault_tools.model import Diagnostic, Severity
from vault_tools.rules import Check, LintContext, all_checks
from vault_tools.rules.registry import diagnostic, select
from vault_tools.vault import Vault

SUPPRESS_KEY = "vault-tools-ignore"


class LintCancelled(Exception):
    """``lint`` stopped early because its ``cancelled`` callback said so."""


def lint(
    vault: Vault,
    *,
    select_rules: Iterable[str] = (),
    ignore_rules: Iterable[str] = (),
    today: dt.date | None = None,
    cancelled: Callable[[], bool] | None = None,
    workers: int = 1,
) -> list[Diagnostic]:
    """Every diagnostic of the selected rules, sorted by path, line and column.

    ``select_rules`` (names, codes or code prefixes) replaces the config's ``select``;
    ``ignore_rules`` adds to its ``ignore``. Raises ValueError for an unknown rule.
    ``cancelled`` is asked between checks; when it answers True, LintCancelled is raised
    (``watch`` gives way to new changes rather than finish a lint they make stale).
    ``workers`` above 1 lets the checks that may run apart do so in a forked child
    process, on a large vault.
    """
    from vault_tools.schema import effective_schemas  # not needed to replay a cached run

    config = vault.config
    chosen = select(list(select_rules) or list(config.select) or ["all"])
    chosen -= select([*config.ignore_rules, *ignore_rules])
    context = LintContext(
        vault=vault,
        today=today or dt.date.today(),
        schemas=effective_schemas(config, vault.root),
    )
    found: list[Diagnostic] = list(vault.diagnostics_from_reading())
    checks = [registered for registered in all_checks() if chosen.intersection(registered.rules)]
    with gc_paused():
        found.extend(_run_checks(checks, context, cancelled, workers))
    suppressed = _suppressions(vault, found)
    kept = []
    for item in found:
        if item.rule not in chosen or item.rule in suppressed.get(item.path, ()):
            continue
        severity = config.severity.get(item.rule)
        if severity is not None and severity != item.severity:
            item = dataclasses.replace(item, severity=severity)
        kept.append(item)
    return sorted(set(kept), key=Diagnostic.sort_key)


def _run_checks(
    checks: list[Check],
    context: LintContext,
    cancelled: Callable[[], bool] | None,
    workers: int,
) -> list[Diagnostic]:
    """The diagnostics of ``checks``. On a large vault, those that may run apart do so
    in a forked child meanwhile (or here, if the child cannot start or fails)."""
    apart: list[Check] = []
    if (
        workers > 1
        and cancelled is None
        and len(context.vault.notes) >= forked.PARALLEL_MIN_NOTES
        and forked.can_fork()
    ):
        apart = [registered for registered in checks if registered.apart]
    if apart:
        # The child checks links: built here, the resolver is shared with it (copy-on-
        # write) instead of built again there, and the checks here resolve links too.
        context.vault.resolver  # noqa: B018 (a cached property, built by reading it)
    child = forked.start(partial(_diagnostics_of, apart, context)) if apart else None
    if child is None:
        apart = []
    receiver = forked.Receiver(child) if child is not None else None
    found: list[Diagnostic] = []
    try:
        for registered in checks:
            if cancelled is not None and cancelled():
                raise LintCancelled
            if registered not in apart:
                found.extend(registered.function(context))
    except BaseException:
        if receiver is not None:
            receiver.abandon()
        raise
    if receiver is not None:
        received = receiver.result()
        if received is None:  # the child failed: check here
            received = next(_diagnostics_of(apart, context))
        found.extend(received)
    return found


def _diagnostics_of(checks: list[Check], context: LintContext) -> Iterator[list[Diagnostic]]:
    yield [item for registered in checks for item in registered.function(context)]


def exit_code(diagnostics: Iterable[Diagnostic], fail_on: Severity) -> int:
    """1 when any diagnostic is at or above ``fail_on``, else 0."""
    return int(any(item.severity.rank >= fail_on.rank for item in diagnostics))


def _suppressions(vault: Vault, found: list[Diagnostic]) -> dict[str, set[str]]:
    """Rules each note turns off for itself with ``vault-tools-ignore: [rule, ...]``.

    A name that is no rule is reported (into ``found``), not silently dropped.
    """
    suppressed: dict[str, set[str]] = {}
    for note in vault.notes.values():
        value: Any = note.frontmatter.get(SUPPRESS_KEY)
        if value is None:
            continue
        names = value if isinstance(value, list) else [value]
        rules: set[str] = set()
        for index, name in enumerate(names):
            try:
                rules |= select([str(name)])
            except ValueError as error:
                where = (
                    note.position(SUPPRESS_KEY, index)
                    if isinstance(value, list)
                    else note.position(SUPPRESS_KEY)
                )
                found.append(
                    diagnostic(
                        "invalid-field-value",
                        note.path,
                        where.line,
                        where.column,
                        f"{SUPPRESS_KEY}: {error}",
                        "list rule names or codes, like broken-link",
                    )
                )
        suppressed[note.path] = rules
    return suppressed
