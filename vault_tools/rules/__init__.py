"""Rules: one module per family, each registering its checks here.

A check is a function of the whole vault that yields diagnostics for one or more
rules. ``registry`` holds what every rule is (code, name, severity, doc); this
module holds what runs. Rules of the VT1xx family are found by the parser while
reading, so they have no check here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any

from vault_tools.model import Diagnostic

if TYPE_CHECKING:
    from vault_tools.vault import Vault


@dataclass
class LintContext:
    """What a check may look at: the vault, the schemas in force and the date of today."""

    vault: Vault
    today: date
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)

    @cached_property
    def referral_edges(self) -> list[Any]:
        from vault_tools.referrals import referral_edges

        return referral_edges(self.vault)


CheckFunction = Callable[[LintContext], Iterable[Diagnostic]]


@dataclass(frozen=True)
class Check:
    rules: tuple[str, ...]
    function: CheckFunction
    apart: bool = False
    """May run in a child process while the others run (see lint.py)."""


CHECKS: list[Check] = []


def check(*rule_names: str, apart: bool = False) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check that emits diagnostics of ``rule_names``. ``apart``: a long check
    that needs nothing the others compute, worth running in a child process meanwhile."""

    def register(function: CheckFunction) -> CheckFunction:
        CHECKS.append(Check(rule_names, function, apart))
        return function

    return register


def all_checks() -> list[Check]:
    # Importing the family modules registers their checks.
    from vault_tools.rules import (  # noqa: F401
        blocks,
        contacts,
        fields,
        files,
        interview_cycle,
        links,
    )

    return CHECKS
