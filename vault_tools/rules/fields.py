"""VT2xx: frontmatter fields against the JSON Schemas and Obsidian's property types."""

from __future__ import annotations

import datetime as dt
import json
import numbers
import operator
import re
from collections.abc import Callable, Iterator, Sized
from functools import cached_property, lru_cache
from typing import Any

from vault_tools.config import ConfigError
from vault_tools.model import Diagnostic, Note
from vault_tools.parse import WIKILINK, wikilink
from vault_tools.rules import LintContext, check
from vault_tools.rules.registry import diagnostic
from vault_tools.schema import LINK_TYPE_KEYWORD
from vault_tools.vault import Vault

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_SINGLE_WIKILINK = re.compile(r"^\s*" + WIKILINK.pattern + r"\s*$")


@check("missing-required-field", "invalid-field-value", "link-wrong-type")
def check_schema(context: LintContext) -> Iterator[Diagnostic]:
    checker = SchemaChecker(context.vault, context.schemas)
    for note in context.vault.notes.values():
        yield from checker.check(note)


def schema_problems(vault: Vault, note: Note) -> list[Diagnostic]:
    """The schema diagnostics of one note (which need not be saved in the vault yet)."""
    from vault_tools.schema import effective_schemas

    return SchemaChecker(vault, effective_schemas(vault.config, vault.root)).check(note)


# Top-level keywords under which a schema's properties can be validated one at a time
# (the shipped schemas, and most extensions, use only these).
_SPLITTABLE = {
    "$schema",
    "$id",
    "$comment",
    "title",
    "description",
    "type",
    "required",
    "properties",
    "if",
    "then",
    "else",
}


class SchemaChecker:
    """Validates notes against the schema of their type, one validator per type.

    Most notes are valid, so each note is first checked by a function compiled from its
    schema (``_ValidityCompiler``) that only says whether the note is valid, which is much
    cheaper than collecting jsonschema's errors; jsonschema looks only at the notes that
    fail it, or that it cannot judge. ``fast=False`` skips that check.

    Most field values repeat across notes (statuses, sources, dates), so when a schema
    allows it each property is validated on its own and the outcome remembered per
    value; link-typed properties, whose outcome depends on the note, are always checked.
    ``split=False`` validates every note whole (the results are the same).
    """

    def __init__(
        self,
        vault: Vault,
        schemas: dict[str, dict[str, Any]],
        *,
        split: bool = True,
        fast: bool = True,
    ) -> None:
        self.vault = vault
        self.schemas = schemas
        self.split = split
        self.fast = fast
        self.validity: dict[tuple[str, bool], _Check | None] = {}
        self.validators: dict[tuple[str, bool], Any] = {}
        self.parts: dict[tuple[str, bool], tuple[Any, dict[str, Any], set[str]]] = {}
        self.property_validators: dict[tuple[str, int], Any] = {}
        self.remembered: dict[tuple[str, str, str], list[Any]] = {}
        self.current: Note | None = None

    # jsonschema takes a third of a small vault's lint to import: it is imported only
    # for the notes the compiled validity check cannot pass (see _is_valid).

    @cached_property
    def library(self) -> Any:  # its decorators and factories are untyped
        import jsonschema

        return jsonschema

    @cached_property
    def formats(self) -> Any:
        checker = self.library.FormatChecker(formats=())
        for name, (test, raises) in FORMATS.items():
            checker.checks(name, raises=raises)(test)
        return checker

    def _link_type(
        self, validator: Any, expected: str, instance: Any, schema: Any
    ) -> Iterator[Any]:
        if instance is None or instance == "" or self.current is None:
            return
        problem = _link_type_problem(self.vault, self.current, instance, expected)
        if problem:
            yield self.library.ValidationError(problem)

    def _make(self, schema: dict[str, Any]) -> Any:
        library = self.library
        base = library.validators.validator_for(schema, default=library.Draft202012Validator)
        extended = library.validators.extend(base, {LINK_TYPE_KEYWORD: self._link_type})
        return extended(schema, format_checker=self.formats)

    def _schema_for(self, note: Note, schema: dict[str, Any]) -> dict[str, Any]:
        if note.type_from_config:
            # The type came from the config, so the note need not spell it out.
            required = [name for name in schema.get("required", []) if name != "type"]
            schema = {**schema, "required": required}
        return schema

    def _validator(self, note: Note, schema: dict[str, Any]) -> Any:
        key = (note.note_type or "", note.type_from_config)
        if key not in self.validators:
            self.validators[key] = self._make(self._schema_for(note, schema))
        return self.validators[key]

    def _is_valid(self, note: Note, schema: dict[str, Any], instance: dict[str, Any]) -> bool:
        """True when ``instance`` is certainly valid; False when jsonschema must look."""
        key = (note.note_type or "", note.type_from_config)
        if key not in self.validity:
            whole = self._schema_for(note, schema)
            self.validity[key] = (
                _ValidityCompiler(self.vault).compile(whole, root=True)
                if self._is_draft_2020_12(whole)
                else None
            )
        valid = self.validity[key]
        try:
            return valid is not None and valid(instance, note)
        except Exception:  # noqa: BLE001
            # _Undecided, or a schema error that jsonschema meets too and check() reports.
            return False

    def _is_draft_2020_12(self, schema: dict[str, Any]) -> bool:
        """Whether jsonschema validates ``schema`` by draft 2020-12 (its default), asking it
        only when the schema names another draft."""
        if schema.get("$schema", DRAFT_2020_12) in (DRAFT_2020_12, DRAFT_2020_12 + "#"):
            return True
        library = self.library
        draft = library.validators.validator_for(schema, default=library.Draft202012Validator)
        return draft is library.Draft202012Validator

    def errors(self, note: Note, schema: dict[str, Any], instance: dict[str, Any]) -> list[Any]:
        """Every validation error of ``instance`` (the note's frontmatter, as JSON)."""
        if self.fast and self._is_valid(note, schema, instance):
            return []
        if not self.split or not set(schema) <= _SPLITTABLE or "$schema" in schema:
            # A schema that names its draft is validated whole, by that draft's rules.
            return list(self._validator(note, schema).iter_errors(instance))
        key = (note.note_type or "", note.type_from_config)
        if key not in self.parts:
            whole = self._schema_for(note, schema)
            skeleton = self._make({k: v for k, v in whole.items() if k != "properties"})
            properties = whole.get("properties", {})
            linked = {
                name for name, sub in properties.items() if LINK_TYPE_KEYWORD in json.dumps(sub)
            }
            self.parts[key] = (skeleton, properties, linked)
        skeleton, properties, linked = self.parts[key]
        found = list(skeleton.iter_errors(instance))
        for name, value in instance.items():
            if name not in properties:
                continue
            if name in linked:
                found += self._property_errors(properties, name, value)
                continue
            memo = (key[0], name, json.dumps(value, sort_keys=True, default=str))
            if memo not in self.remembered:
                self.remembered[memo] = self._property_errors(properties, name, value)
            found += self.remembered[memo]
        return found

    def _property_errors(self, properties: dict[str, Any], name: str, value: Any) -> list[Any]:
        single = (name, id(properties))
        if single not in self.property_validators:
            self.property_validators[single] = self._make({"properties": {name: properties[name]}})
        return list(self.property_validators[single].iter_errors({name: value}))

    def check(self, note: Note) -> list[Diagnostic]:
        schema = self.schemas.get(note.note_type or "")
        if schema is None or note.is_template or not note.frontmatter_valid:
            return []
        self.current = note
        try:
            return list(_schema_diagnostics(note, self, schema))
        except Exception as error:  # noqa: BLE001
            # A config schema that passed check_schema can still fail while validating
            # (an unresolvable $ref, a regex Python cannot compile): the config's fault.
            raise ConfigError(
                f"{self.vault.config.path}: schema.{note.note_type}: cannot be used to "
                f"validate {note.path}: {error}"
            ) from None


_Check = Callable[[Any, Note], bool]
"""Whether a value (of the given note's frontmatter) is valid under one schema."""


class _Undecided(Exception):
    """A compiled check met a keyword or a value it cannot judge exactly."""


def _always(value: Any, note: Note) -> bool:
    return True


def _never(value: Any, note: Note) -> bool:
    return False


def _undecided(value: Any, note: Note) -> bool:
    raise _Undecided


_TYPES: dict[str, _Check] = {
    # As jsonschema's draft 2020-12 type checker has them.
    "string": lambda value, note: isinstance(value, str),
    "integer": lambda value, note: (
        (isinstance(value, int) and not isinstance(value, bool))
        or (isinstance(value, float) and value.is_integer())
    ),
    "number": lambda value, note: isinstance(value, numbers.Number) and not isinstance(value, bool),
    "array": lambda value, note: isinstance(value, list),
    "object": lambda value, note: isinstance(value, dict),
    "boolean": lambda value, note: isinstance(value, bool),
    "null": lambda value, note: value is None,
}


class _ValidityCompiler:
    """Compiles a draft 2020-12 schema into a `_Check` that agrees with jsonschema's.

    A check returns exactly what jsonschema would say about validity, or raises
    _Undecided: for keywords not compiled here (``$ref``, ``patternProperties``...), a
    subschema naming its own ``$schema``, or an ``enum``/``const`` comparison that is not
    between strings. The caller then asks jsonschema, so an incomplete compiler costs
    time, never a wrong diagnostic. Keywords jsonschema does not know are ignored, as it
    ignores them.
    """

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self.builders: dict[str, Callable[[Any, dict[str, Any]], _Check]] = {
            "type": self._type,
            "enum": self._enum,
            "const": self._const,
            "format": self._format,
            "pattern": self._pattern,
            "minimum": _number_bound(operator.lt),
            "maximum": _number_bound(operator.gt),
            "exclusiveMinimum": _number_bound(operator.le),
            "exclusiveMaximum": _number_bound(operator.ge),
            "minLength": _length_bound(str, operator.lt),
            "maxLength": _length_bound(str, operator.gt),
            "minItems": _length_bound(list, operator.lt),
            "maxItems": _length_bound(list, operator.gt),
            "required": self._required,
            "dependentRequired": self._dependent_required,
            "properties": self._properties,
            "additionalProperties": self._additional_properties,
            "items": self._items,
            "allOf": self._all_of,
            "anyOf": self._any_of,
            "oneOf": self._one_of,
            "not": self._not,
            "if": self._if,
            LINK_TYPE_KEYWORD: self._link_type,
        }
        self.keywords = {*DRAFT_2020_12_KEYWORDS, LINK_TYPE_KEYWORD}

    def compile(self, schema: Any, *, root: bool = False) -> _Check:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, dict) or ("$schema" in schema and not root):
            # jsonschema would switch to that draft's validator, without x-link-type.
            return _undecided
        checks = [
            self.builders.get(name, _undecided_keyword)(value, schema)
            for name, value in schema.items()
            if name in self.keywords
        ]
        if not checks:
            return _always
        if len(checks) == 1:
            return checks[0]
        return _all_valid(checks)

    def _type(self, names: Any, schema: dict[str, Any]) -> _Check:
        names = names if isinstance(names, list) else [names]
        if not all(isinstance(name, str) and name in _TYPES for name in names):
            return _undecided
        if len(names) == 1:
            return _TYPES[names[0]]
        return _any_valid([_TYPES[name] for name in names])

    def _enum(self, choices: Any, schema: dict[str, Any]) -> _Check:
        if not isinstance(choices, list):
            return _undecided
        strings = frozenset(choice for choice in choices if isinstance(choice, str))
        only_strings = all(isinstance(choice, str) for choice in choices)

        def check(value: Any, note: Note) -> bool:
            if isinstance(value, str):
                return value in strings
            if only_strings:
                return False
            raise _Undecided  # jsonschema's equality keeps 1, 1.0 and true apart

        return check

    def _const(self, expected: Any, schema: dict[str, Any]) -> _Check:
        def check(value: Any, note: Note) -> bool:
            if isinstance(value, str) or isinstance(expected, str):
                return bool(value == expected)
            raise _Undecided

        return check

    def _format(self, name: Any, schema: dict[str, Any]) -> _Check:
        if not isinstance(name, str):
            return _undecided
        if name not in FORMATS:
            return _always  # jsonschema ignores formats its checker does not know
        test, raises = FORMATS[name]

        def check(value: Any, note: Note) -> bool:
            try:
                return bool(test(value))
            except raises:
                return False

        return check

    def _pattern(self, pattern: Any, schema: dict[str, Any]) -> _Check:
        try:
            compiled = re.compile(pattern)
        except (re.error, TypeError):
            return _undecided
        return lambda value, note: not isinstance(value, str) or bool(compiled.search(value))

    def _required(self, names: Any, schema: dict[str, Any]) -> _Check:
        try:
            needed = frozenset(names) if isinstance(names, list) else None
        except TypeError:
            needed = None
        if needed is None:
            return _undecided
        return lambda value, note: not isinstance(value, dict) or value.keys() >= needed

    def _dependent_required(self, dependencies: Any, schema: dict[str, Any]) -> _Check:
        if not isinstance(dependencies, dict):
            return _undecided
        pairs = list(dependencies.items())

        def check(value: Any, note: Note) -> bool:
            return not isinstance(value, dict) or all(
                name in value for present, needed in pairs if present in value for name in needed
            )

        return check

    def _properties(self, properties: Any, schema: dict[str, Any]) -> _Check:
        if not isinstance(properties, dict):
            return _undecided
        checks = {name: self.compile(subschema) for name, subschema in properties.items()}

        def check(value: Any, note: Note) -> bool:
            if not isinstance(value, dict):
                return True
            for name, item in value.items():
                item_check = checks.get(name)
                if item_check is not None and not item_check(item, note):
                    return False
            return True

        return check

    def _additional_properties(self, additional: Any, schema: dict[str, Any]) -> _Check:
        declared = schema.get("properties", {})
        if "patternProperties" in schema or not isinstance(declared, dict):
            return _undecided
        if not isinstance(additional, dict) and additional:
            return _always
        extra_check = self.compile(additional) if isinstance(additional, dict) else _never

        def check(value: Any, note: Note) -> bool:
            return not isinstance(value, dict) or all(
                extra_check(item, note) for name, item in value.items() if name not in declared
            )

        return check

    def _items(self, items: Any, schema: dict[str, Any]) -> _Check:
        if "prefixItems" in schema:
            return _undecided
        item_check = self.compile(items)

        def check(value: Any, note: Note) -> bool:
            if isinstance(value, list):
                for item in value:
                    if not item_check(item, note):
                        return False
            return True

        return check

    def _all_of(self, schemas: Any, schema: dict[str, Any]) -> _Check:
        if not isinstance(schemas, list):
            return _undecided
        return _all_valid([self.compile(subschema) for subschema in schemas])

    def _any_of(self, schemas: Any, schema: dict[str, Any]) -> _Check:
        if not isinstance(schemas, list):
            return _undecided
        return _any_valid([self.compile(subschema) for subschema in schemas])

    def _one_of(self, schemas: Any, schema: dict[str, Any]) -> _Check:
        if not isinstance(schemas, list):
            return _undecided
        checks = [self.compile(subschema) for subschema in schemas]
        return lambda value, note: [check(value, note) for check in checks].count(True) == 1

    def _not(self, negated: Any, schema: dict[str, Any]) -> _Check:
        negated_check = self.compile(negated)
        return lambda value, note: not negated_check(value, note)

    def _if(self, condition: Any, schema: dict[str, Any]) -> _Check:
        condition_check = self.compile(condition)
        then = self.compile(schema["then"]) if "then" in schema else _always
        otherwise = self.compile(schema["else"]) if "else" in schema else _always

        def check(value: Any, note: Note) -> bool:
            return then(value, note) if condition_check(value, note) else otherwise(value, note)

        return check

    def _link_type(self, expected: Any, schema: dict[str, Any]) -> _Check:
        def check(value: Any, note: Note) -> bool:
            if value is None or value == "":
                return True
            return _link_type_problem(self.vault, note, value, expected) is None

        return check


def _undecided_keyword(value: Any, schema: dict[str, Any]) -> _Check:
    return _undecided


def _all_valid(checks: list[_Check]) -> _Check:
    def check(value: Any, note: Note) -> bool:
        for each in checks:  # noqa: SIM110 (all() would build a generator per value)
            if not each(value, note):
                return False
        return True

    return check


def _any_valid(checks: list[_Check]) -> _Check:
    def check(value: Any, note: Note) -> bool:
        for each in checks:  # noqa: SIM110 (as in _all_valid)
            if each(value, note):
                return True
        return False

    return check


def _number_bound(
    fails: Callable[[Any, Any], bool],
) -> Callable[[Any, dict[str, Any]], _Check]:
    def build(limit: Any, schema: dict[str, Any]) -> _Check:
        def check(value: Any, note: Note) -> bool:
            if isinstance(value, bool) or not isinstance(value, numbers.Number):
                return True
            return not fails(value, limit)

        return check

    return build


def _length_bound(
    kind: type[Sized], fails: Callable[[int, Any], bool]
) -> Callable[[Any, dict[str, Any]], _Check]:
    def build(limit: Any, schema: dict[str, Any]) -> _Check:
        return lambda value, note: not (isinstance(value, kind) and fails(len(value), limit))

    return build


def _schema_diagnostics(
    note: Note, checker: SchemaChecker, schema: dict[str, Any]
) -> Iterator[Diagnostic]:
    # An empty value (`status:` or `email: ""`) means "not filled in yet": the field is
    # treated as absent, so an empty required field is reported as missing and an empty
    # optional one is fine.
    instance = {
        key: value
        for key, value in json_value(note.frontmatter).items()
        if value is not None and value != ""
    }
    reported: set[tuple[Any, ...]] = set()
    errors = sorted(
        checker.errors(note, schema, instance), key=lambda e: list(map(str, e.absolute_path))
    )
    for error in errors:
        field_path = tuple(error.absolute_path)
        if error.validator in ("required", "dependentRequired"):
            yield from _missing(note, error, schema, reported)
            continue
        if field_path[:1] in reported or field_path in reported:
            continue
        reported.add(field_path)
        where = note.position(*field_path)
        field_name = field_label(field_path)
        if error.validator == LINK_TYPE_KEYWORD:
            yield diagnostic(
                "link-wrong-type",
                note.path,
                where.line,
                where.column,
                f"{field_name}: {error.message}",
                f'link {article(error.validator_value)} note: "[[Name]]"',
            )
            continue
        message, fix = _describe(error)
        yield diagnostic(
            "invalid-field-value",
            note.path,
            where.line,
            where.column,
            f"{field_name}: {message}",
            fix,
        )


def field_label(field_path: tuple[Any, ...]) -> str:
    """``("referrals", 1)`` as "referrals item 2": people count from one."""
    label = ""
    for part in field_path:
        if isinstance(part, int):
            label += f" item {part + 1}"
        else:
            label += f".{part}" if label else str(part)
    return label or "frontmatter"


def article(noun: str) -> str:
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


def _missing(
    note: Note, error: Any, schema: dict[str, Any], reported: set[tuple[Any, ...]]
) -> Iterator[Diagnostic]:
    missing = re.findall(r"'([^']+)' is a required property", error.message)
    for name in missing or [str(error.message)]:
        if (name,) in reported:
            continue
        reported.add((name,))
        empty = name in note.frontmatter
        where = note.position(name) if empty else note.position()
        reason = ""
        schema_path = list(error.schema_path)
        if schema_path[:1] == ["then"] and isinstance(schema.get("if"), dict):
            condition = list(schema["if"].get("properties", {}))
            if condition:
                where = where if empty else note.position(condition[0])
                value = note.frontmatter.get(condition[0])
                reason = f" when {condition[0]} is {value}"
        type_name = note.note_type or "note"
        if empty:
            message = f"required field {name!r} is empty{reason}"
            fix = f"give {name!r} a value (`vault-tools schema {type_name}` describes it)"
        else:
            message = f"{type_name} note is missing required field {name!r}{reason}"
            fix = f"add `{name}:` (`vault-tools schema {type_name}` lists the fields)"
        yield diagnostic(
            "missing-required-field", note.path, where.line, where.column, message, fix
        )


def _describe(error: Any) -> tuple[str, str | None]:
    value = error.instance
    shown = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    kind = error.validator
    if kind == "enum":
        choices = ", ".join(str(choice) for choice in error.validator_value)
        return f"{shown} is not an allowed value", f"use one of: {choices}"
    if kind == "const":
        return f"{shown} must be {error.validator_value!r}", None
    if kind == "format" or (kind == "anyOf" and _formats_only(error.validator_value)):
        formats = (
            [error.validator_value]
            if kind == "format"
            else [branch["format"] for branch in error.validator_value]
        )
        return f"{shown} is not a valid {' or '.join(formats)}", _FORMAT_HINTS.get(formats[0])
    if kind == "pattern" and "http" in str(error.validator_value):
        return f"{shown} is not a web address", "write the full URL, starting with https://"
    if kind == "type":
        expected = error.validator_value
        names = expected if isinstance(expected, list) else [expected]
        wanted = " or ".join(str(_TYPE_NAMES.get(n, n)) for n in names)
        return f"{shown} is not {wanted}", _TYPE_HINTS.get(names[0])
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        return (
            f"{shown} is out of range",
            f"use a value {_RANGE_WORDS[kind]} {error.validator_value}",
        )
    return str(error.message), None


_RANGE_WORDS = {
    "minimum": "of at least",
    "exclusiveMinimum": "greater than",
    "maximum": "of at most",
    "exclusiveMaximum": "less than",
}
_TYPE_HINTS = {
    "string": "write text; quote it if YAML reads it as a number, date or list",
    "integer": "write a whole number, like 30",
    "number": "write a number, like 30",
    "array": "write a list, one `- item` per line",
    "boolean": "write true or false",
}


_TYPE_NAMES = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "array": "a list",
    "object": "a mapping",
    "boolean": "true or false",
    "null": "empty",
}
_FORMAT_HINTS = {
    "date": "write dates as 2026-10-14",
    "date-time": "write dates as 2026-10-14 or 2026-10-14T15:30",
    "email": "write an address like name@example.com",
}


def _formats_only(branches: Any) -> bool:
    return isinstance(branches, list) and all(
        isinstance(branch, dict) and set(branch) == {"format"} for branch in branches
    )


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return len(value) == 10 and bool(dt.date.fromisoformat(value))


def _is_datetime(value: object) -> bool:
    """ISO 8601 date and time; seconds and offset optional, as Obsidian writes them."""
    if not isinstance(value, str):
        return True
    return len(value) > 10 and bool(dt.datetime.fromisoformat(value))


def _is_email(value: object) -> bool:
    return not isinstance(value, str) or bool(_EMAIL.match(value))


FORMATS: dict[str, tuple[Callable[[object], bool], type[Exception] | tuple[()]]] = {
    "date": (_is_date, ValueError),
    "date-time": (_is_datetime, ValueError),
    "email": (_is_email, ()),
}
"""The formats the schemas may name, as jsonschema's FormatChecker holds them: the test
and what it raises for a value that does not conform."""

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
DRAFT_2020_12_KEYWORDS = frozenset(
    {
        *("$dynamicRef", "$ref", "additionalProperties", "allOf", "anyOf", "const"),
        *("contains", "dependentRequired", "dependentSchemas", "enum", "exclusiveMaximum"),
        *("exclusiveMinimum", "format", "if", "items", "maxItems", "maxLength"),
        *("maxProperties", "maximum", "minItems", "minLength", "minProperties", "minimum"),
        *("multipleOf", "not", "oneOf", "pattern", "patternProperties", "prefixItems"),
        *("properties", "propertyNames", "required", "type", "unevaluatedItems"),
        *("unevaluatedProperties", "uniqueItems"),
    }
)
"""The keywords jsonschema's draft 2020-12 validator acts on (a test keeps them in step)."""


def _link_type_problem(vault: Vault, note: Note, value: Any, expected: str) -> str | None:
    if not isinstance(value, str):
        return (
            f"{json.dumps(value, ensure_ascii=False, default=str)} is not a link; "
            f"write a quoted wikilink to a {expected} note"
        )
    link_target = _single_link_target(value)
    if link_target is None:
        return f"{value!r} is not a link; write a quoted wikilink to a {expected} note"
    target = vault.note_at(vault.resolver.resolve(link_target, note.path).path)
    if target is None or target.note_type == expected:
        return None  # unresolved links are reported by the link rules
    kind = f"a {target.note_type} note" if target.note_type else "a note with no type"
    return f"[[{link_target}]] is {kind}, not a {expected}"


@lru_cache(maxsize=1 << 14)
def _single_link_target(value: str) -> str | None:
    """The target of the one wikilink that ``value`` is (empty for ``[[#Heading]]``), or
    None when ``value`` is not one. Remembered: a person's link is written in many notes
    (their interviews, the referrals they made), and parsing it was a quarter of
    check_schema. A function of the text alone, so it holds across vaults and runs."""
    match = _SINGLE_WIKILINK.match(value)
    link = wikilink(match.group(2)) if match else None
    return link.target if link is not None else None


_JSON_SCALARS = {str, int, float, bool, type(None)}


def json_value(value: Any) -> Any:
    """Frontmatter as JSON Schema sees it: dates as ISO strings, keys as strings."""
    if type(value) in _JSON_SCALARS:
        return value
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_value(item) for item in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted((json_value(item) for item in value), key=str)
    if isinstance(value, bytes):
        return str(value)
    return value


# -- Obsidian property types -------------------------------------------------------


@check("property-type-mismatch")
def check_property_types(context: LintContext) -> Iterator[Diagnostic]:
    declared = obsidian_property_types(context.vault)
    if not declared:
        return
    for note in context.vault.notes.values():
        if note.is_template or not note.frontmatter_valid:
            continue
        # A field the note's schema describes is checked (and reported) by the schema.
        constrained = set(context.schemas.get(note.note_type or "", {}).get("properties", {}))
        for key, value in note.frontmatter.items():
            expected = declared.get(key) if key not in constrained else None
            if expected is None or value is None or value == "" or value == []:
                continue
            if not _fits_property_type(value, expected):
                where = note.position(key)
                shown = json.dumps(json_value(value), ensure_ascii=False)
                yield diagnostic(
                    "property-type-mismatch",
                    note.path,
                    where.line,
                    where.column,
                    f"{key}: {shown} does not match the property type "
                    f"{expected!r} declared in .obsidian/types.json",
                    f"write {_PROPERTY_EXAMPLES.get(expected, expected)}, "
                    "or change the property type in Obsidian",
                )


_PROPERTY_EXAMPLES = {
    "text": "text",
    "multitext": "a list, one `- item` per line",
    "number": "a number, like 30",
    "checkbox": "true or false",
    "date": "a date, like 2026-10-14",
    "datetime": "a date and time, like 2026-10-14T15:30",
    "aliases": "a list of names",
    "tags": "a list of tags",
}


def obsidian_property_types(vault: Vault) -> dict[str, str]:
    try:
        data = json.loads((vault.root / ".obsidian" / "types.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    types = data.get("types") if isinstance(data, dict) else None
    if not isinstance(types, dict):
        return {}
    return {str(key): str(value) for key, value in types.items() if isinstance(value, str)}


def _fits_property_type(value: Any, expected: str) -> bool:
    if expected == "text":
        return isinstance(value, (str, int, float)) and not isinstance(value, bool)
    if expected == "number":
        if isinstance(value, str):
            try:
                float(value)
            except ValueError:
                return False
            return True
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected == "checkbox":
        return isinstance(value, bool)
    if expected == "date":
        return _is_iso(value, dt.date) and not isinstance(value, dt.datetime)
    if expected == "datetime":
        return _is_iso(value, dt.datetime)
    if expected in ("aliases", "tags"):
        return isinstance(value, str) or (
            isinstance(value, list) and all(isinstance(item, str) for item in value)
        )
    if expected == "multitext":
        return isinstance(value, list) and all(
            isinstance(item, (str, int, float)) and not isinstance(item, bool) for item in value
        )
    return True  # a type this version does not know


def _is_iso(value: Any, kind: type) -> bool:
    if isinstance(value, kind):
        return True
    if isinstance(value, str):
        try:
            parsed = (
                dt.datetime.fromisoformat(value)
                if kind is dt.datetime
                else dt.date.fromisoformat(value)
            )
        except ValueError:
            return False
        return parsed is not None
    return kind is dt.datetime and isinstance(value, dt.date)


@check("unknown-note-type")
def check_note_types(context: LintContext) -> Iterator[Diagnostic]:
    import difflib

    key = context.vault.config.type_key
    known = sorted(context.schemas)
    for note in context.vault.notes.values():
        if note.is_template or key not in note.frontmatter:
            continue
        value = note.frontmatter[key]
        if value is None or value == "" or (isinstance(value, str) and value.strip() in known):
            continue
        where = note.position(key)
        shown = repr(value) if isinstance(value, str) else json.dumps(json_value(value))
        close = difflib.get_close_matches(str(value).strip().lower(), known, n=1)
        fix = f"did you mean `{key}: {close[0]}`?" if close else f"use one of: {', '.join(known)}"
        yield diagnostic(
            "unknown-note-type",
            note.path,
            where.line,
            where.column,
            f"{key}: {shown} is not a known note type, so the note is not checked "
            "against any schema",
            fix,
        )
