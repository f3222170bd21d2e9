"""Read ``.vault-tools.toml`` into a Config, with errors that name the file and the key.

Every key is optional::

    ignore = ["Archive/**", "*.excalidraw.md"]   # globs of Markdown files that are not notes
    templates = "templates"                       # templates folder
    thank_you_hours = 24                          # thank-you window after an interview
    holidays = [2026-12-25]                       # not business days (for the agenda)

    [agenda]                                      # the 3B7 follow-up rule, in business days
    try_another_after = 3
    follow_up_after = 7
    upcoming_days = 7                             # interviews to prepare, looking ahead

    [questions]                                   # your own questions, by category
    "Work Environment" = ["How do people here disagree?"]

    [types]                                       # how a note's type is found
    key = "type"                                  # frontmatter key holding the type
    folders = { "People" = "contact" }            # or by folder,
    tags = { "meeting" = "interview" }            # or by tag,
    [[types.match]]                               # or by a frontmatter value
    key = "categories"
    value = "[[People]]"
    type = "contact"

    [schema.contact]                              # replace or extend a schema
    file = "schemas/contact.json"                 # a JSON Schema replacing the default
    required = ["pronouns"]                       # more required fields
    [schema.contact.properties.pronouns]          # more (or replaced) properties
    type = "string"

    [lint]
    select = []                                   # rule names or codes; empty means all
    ignore = ["thank-you-late"]
    fail_on = "error"
    [lint.severity]
    duplicate-contact = "error"
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from vault_tools.errors import ConfigError
from vault_tools.listing import CONFIG_FILE
from vault_tools.model import Severity

__all__ = ["CONFIG_FILE", "Config", "ConfigError", "SchemaOverride", "TypeMatch", "load_config"]

DEFAULT_TYPES = ("contact", "interview", "organization")
DEFAULT_TEMPLATES = "templates"


@dataclass(frozen=True)
class TypeMatch:
    key: str
    value: Any
    type: str


@dataclass(frozen=True)
class SchemaOverride:
    file: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    required: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    """The file this came from, or None for the defaults."""
    ignore: tuple[str, ...] = ()
    templates: str | None = None
    """The templates folder; None means Obsidian's setting, else ``templates``."""
    thank_you_hours: int = 24
    type_key: str = "type"
    type_folders: dict[str, str] = field(default_factory=dict)
    type_tags: dict[str, str] = field(default_factory=dict)
    type_matches: tuple[TypeMatch, ...] = ()
    schemas: dict[str, SchemaOverride] = field(default_factory=dict)
    select: tuple[str, ...] = ()
    ignore_rules: tuple[str, ...] = ()
    fail_on: Severity = Severity.ERROR
    severity: dict[str, Severity] = field(default_factory=dict)
    holidays: frozenset[dt.date] = frozenset()
    """Days that are not business days, besides weekends (for the agenda)."""
    try_another_after: int = 3
    """Business days without a reply after which the agenda suggests another person."""
    follow_up_after: int = 7
    """Business days without a reply after which the agenda suggests one follow-up."""
    upcoming_days: int = 7
    """How far ahead the agenda looks for interviews to prepare."""
    questions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Questions added to the question bank, by category (new categories allowed)."""
    my_name: str | None = None
    """Your name, to sign the emails `vault-tools draft` writes."""
    follow_symlinks: bool = False
    """Read the notes behind symlinks that lead inside the vault (never outside it)."""
    max_note_mb: float = 10
    """Markdown files larger than this many megabytes (10**6 bytes) are not read."""


def load_config(vault_root: Path) -> Config:
    """The vault's configuration; the defaults when it has no ``.vault-tools.toml``."""
    path = vault_root / CONFIG_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config()
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read: {error.strerror or error}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    return parse_config(data, path)


_TOP_KEYS = {
    "ignore",
    "templates",
    "thank_you_hours",
    "holidays",
    "types",
    "schema",
    "lint",
    "agenda",
    "questions",
    "my_name",
    "follow_symlinks",
    "max_note_mb",
}
_AGENDA_KEYS = {"try_another_after", "follow_up_after", "upcoming_days"}


def parse_config(data: dict[str, Any], path: Path) -> Config:
    reader = _Reader(path)
    reader.no_unknown_keys(data, _TOP_KEYS, "")
    types = reader.table(data, "types")
    reader.no_unknown_keys(types, {"key", "folders", "tags", "match"}, "types")
    lint = reader.table(data, "lint")
    reader.no_unknown_keys(lint, {"select", "ignore", "fail_on", "severity"}, "lint")

    hours = data.get("thank_you_hours", 24)
    if not isinstance(hours, int) or isinstance(hours, bool) or not 0 < hours <= 24 * 366:
        reader.fail(
            "thank_you_hours", f"must be a whole number of hours from 1 to 8784, not {hours!r}"
        )

    matches = []
    match_list = types.get("match", [])
    if not isinstance(match_list, list):
        reader.fail("types.match", "must be an array of tables ([[types.match]])")
    for index, item in enumerate(match_list):
        where = f"types.match[{index}]"
        if not isinstance(item, dict):
            reader.fail(where, "must be a table with key, value and type")
        reader.no_unknown_keys(item, {"key", "value", "type"}, where)
        for needed in ("key", "value", "type"):
            if needed not in item:
                reader.fail(f"{where}.{needed}", "is required")
        matches.append(
            TypeMatch(
                reader.string(item, "key", where), item["value"], reader.string(item, "type", where)
            )
        )

    schemas = {}
    for type_name, override in reader.table(data, "schema").items():
        where = f"schema.{type_name}"
        if not isinstance(override, dict):
            reader.fail(where, "must be a table")
        reader.no_unknown_keys(override, {"file", "properties", "required"}, where)
        file = override.get("file")
        if file is not None and not isinstance(file, str):
            reader.fail(f"{where}.file", "must be a path to a JSON Schema file")
        schemas[type_name] = SchemaOverride(
            file=file,
            properties=reader.table(override, "properties", where),
            required=reader.strings(override, "required", where),
        )

    severities = {}
    for rule_name, value in reader.table(lint, "severity", "lint").items():
        try:
            severity = Severity.parse(str(value))
        except ValueError as error:
            reader.fail(f"lint.severity.{rule_name}", str(error))
        for name in _rule_names(reader, f"lint.severity.{rule_name}", rule_name):
            severities[name] = severity
    fail_on = lint.get("fail_on", "error")
    try:
        fail_on_severity = Severity.parse(str(fail_on))
    except ValueError as error:
        reader.fail("lint.fail_on", str(error))
    select = reader.strings(lint, "select", "lint")
    ignore_rules = reader.strings(lint, "ignore", "lint")
    for index, name in enumerate(select):
        _rule_names(reader, f"lint.select[{index}]", name)
    for index, name in enumerate(ignore_rules):
        _rule_names(reader, f"lint.ignore[{index}]", name)

    known_types = set(DEFAULT_TYPES) | set(schemas)
    for where, type_name in [
        *(
            (f"types.folders.{k}", v)
            for k, v in reader.string_map(types, "folders", "types").items()
        ),
        *((f"types.tags.{k}", v) for k, v in reader.string_map(types, "tags", "types").items()),
        *((f"types.match[{i}].type", m.type) for i, m in enumerate(matches)),
    ]:
        if type_name not in known_types:
            reader.fail(
                where,
                f"unknown note type {type_name!r} (known: "
                f"{', '.join(sorted(known_types))}; add [schema.{type_name}] "
                "to define a new one)",
            )

    templates = data.get("templates")
    if templates is not None and not isinstance(templates, str):
        reader.fail("templates", "must be a folder path relative to the vault")

    holidays = set()
    raw_holidays = data.get("holidays", [])
    if not isinstance(raw_holidays, list):
        reader.fail("holidays", "must be a list of dates, like [2026-12-25, 2027-01-01]")
    for index, day in enumerate(raw_holidays):
        if isinstance(day, str):
            with contextlib.suppress(ValueError):
                day = dt.date.fromisoformat(day)
        if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
            reader.fail(f"holidays[{index}]", f"must be a date like 2026-12-25, not {day!r}")
        holidays.add(day)

    agenda = reader.table(data, "agenda")
    reader.no_unknown_keys(agenda, _AGENDA_KEYS, "agenda")
    intervals = {}
    for key in _AGENDA_KEYS:
        value = agenda.get(
            key, {"try_another_after": 3, "follow_up_after": 7, "upcoming_days": 7}[key]
        )
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= 365:
            reader.fail(
                f"agenda.{key}", f"must be a whole number of days from 1 to 365, not {value!r}"
            )
        intervals[key] = value

    question_table = reader.table(data, "questions")
    questions = {
        category: reader.strings(question_table, category, "questions")
        for category in question_table
    }

    my_name = data.get("my_name")
    if my_name is not None and (not isinstance(my_name, str) or not my_name.strip()):
        reader.fail("my_name", f"must be your name as text, not {my_name!r}")

    follow_symlinks = data.get("follow_symlinks", False)
    if not isinstance(follow_symlinks, bool):
        reader.fail("follow_symlinks", f"must be true or false, not {follow_symlinks!r}")

    max_note_mb = data.get("max_note_mb", 10)
    if isinstance(max_note_mb, bool) or not isinstance(max_note_mb, (int, float)):
        reader.fail("max_note_mb", f"must be a number of megabytes, not {max_note_mb!r}")
    if not 0 < max_note_mb <= 10_000:
        reader.fail("max_note_mb", f"must be more than 0 and at most 10000, not {max_note_mb!r}")

    return Config(
        path=path,
        follow_symlinks=follow_symlinks,
        max_note_mb=max_note_mb,
        my_name=my_name.strip() if isinstance(my_name, str) else None,
        holidays=frozenset(holidays),
        try_another_after=intervals["try_another_after"],
        follow_up_after=intervals["follow_up_after"],
        upcoming_days=intervals["upcoming_days"],
        questions=questions,
        ignore=reader.strings(data, "ignore", ""),
        templates=templates.strip("/") if isinstance(templates, str) else None,
        thank_you_hours=hours,
        type_key=reader.string(types, "key", "types") if "key" in types else "type",
        type_folders={
            k.strip("/"): v for k, v in reader.string_map(types, "folders", "types").items()
        },
        type_tags={
            k.lstrip("#").casefold(): v
            for k, v in reader.string_map(types, "tags", "types").items()
        },
        type_matches=tuple(matches),
        schemas=schemas,
        select=select,
        ignore_rules=ignore_rules,
        fail_on=fail_on_severity,
        severity=severities,
    )


def _rule_names(reader: _Reader, where: str, selector: str) -> set[str]:
    """The rules ``selector`` names (a name, code or code prefix); fails naming ``where``."""
    from vault_tools.rules.registry import select

    try:
        return select([selector])
    except ValueError as error:
        reader.fail(where, str(error))


def read_schema_file(config: Config, vault_root: Path, type_name: str) -> dict[str, Any] | None:
    """The JSON Schema that replaces the default for ``type_name``, if the config names one."""
    override = config.schemas.get(type_name)
    if override is None or override.file is None:
        return None
    schema_path = vault_root / override.file
    where = f"schema.{type_name}.file"
    try:
        loaded = json.loads(schema_path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(
            f"{config.path}: {where}: cannot read {schema_path}: {error.strerror or error}"
        ) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise ConfigError(
            f"{config.path}: {where}: {schema_path} is not valid JSON: {error}"
        ) from None
    if not isinstance(loaded, dict):
        raise ConfigError(f"{config.path}: {where}: {schema_path} must hold a JSON object")
    return loaded


class _Reader:
    """Small checked accessors; every failure names the file and the dotted key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, problem: str) -> NoReturn:
        raise ConfigError(f"{self.path}: {key}: {problem}")

    def no_unknown_keys(self, table: dict[str, Any], known: set[str], where: str) -> None:
        for key in table:
            if key not in known:
                dotted = f"{where}.{key}" if where else key
                self.fail(dotted, f"unknown key (known keys: {', '.join(sorted(known))})")

    def table(self, data: dict[str, Any], key: str, where: str = "") -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            self.fail(f"{where}.{key}" if where else key, "must be a table")
        return value

    def string(self, data: dict[str, Any], key: str, where: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            self.fail(
                f"{where}.{key}" if where else key, f"must be a non-empty string, not {value!r}"
            )
        return str(value).strip()

    def strings(self, data: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = data.get(key, [])
        dotted = f"{where}.{key}" if where else key
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.fail(dotted, f"must be a list of strings, not {value!r}")
        return tuple(value)

    def string_map(self, data: dict[str, Any], key: str, where: str) -> dict[str, str]:
        value = self.table(data, key, where)
        for item_key, item in value.items():
            if not isinstance(item, str):
                self.fail(f"{where}.{key}.{item_key}", f"must be a type name, not {item!r}")
        return value
