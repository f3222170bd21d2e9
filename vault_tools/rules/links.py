"""VT3xx: every link resolves, unambiguously, to a heading or block that exists."""

from __future__ import annotations

from collections.abc import Iterator

from vault_tools.links import normalize, normalize_heading
from vault_tools.model import Diagnostic, Link, Note
from vault_tools.referrals import REFERRAL_KEYS
from vault_tools.rules import LintContext, check
from vault_tools.rules.registry import diagnostic


@check(
    "broken-link",
    "ambiguous-link",
    "broken-heading-link",
    "broken-block-link",
    "pending-referral",
    apart=True,  # the longest check: every link of the vault
)
def check_links(context: LintContext) -> Iterator[Diagnostic]:
    vault = context.vault
    for note in vault.notes.values():
        for link in note.links:
            resolution = vault.resolve(link, note)
            if resolution.path is not None:  # most links, so tested first
                if link.heading is None and link.block is None:
                    # Nothing more to check. Looking up the target note of every link
                    # (scattered in memory) took half this check's time at 20,000 notes.
                    continue
                target = vault.note_at(resolution.path)
                if target is not None:
                    found = _missing_subpath(note, link, target)
                    if found is not None:
                        yield found
            elif resolution.ambiguous:
                shown = ", ".join(resolution.candidates)
                yield diagnostic(
                    "ambiguous-link",
                    note.path,
                    link.line,
                    link.column,
                    f"{link.raw} matches several notes equally: {shown}",
                    f"write the folder: [[{_strip_md(resolution.candidates[0])}]]",
                )
            elif resolution.broken:
                yield _unresolved(context, note, link)


def _unresolved(context: LintContext, note: Note, link: Link) -> Diagnostic:
    named = context.vault.notes_by_alias.get(normalize(link.target), [])
    if (
        not named
        and link.in_frontmatter
        and link.key in REFERRAL_KEYS
        and note.note_type in ("contact", "interview")
    ):
        return diagnostic(
            "pending-referral",
            note.path,
            link.line,
            link.column,
            f"{link.target} was named as a referral but has no contact note yet",
            f"create the contact note {link.target}.md with `type: contact`",
        )
    if named and not link.markdown:
        real = named[0]
        return diagnostic(
            "broken-link",
            note.path,
            link.line,
            link.column,
            f"{link.raw} does not resolve: {link.target!r} is an alias of "
            f"{real.title!r}, and Obsidian does not resolve aliases in links",
            f"[[{real.title}{link.subpath}|{link.alias or link.target}]]",
        )
    return diagnostic(
        "broken-link",
        note.path,
        link.line,
        link.column,
        f"{link.raw} does not resolve to any note or file",
        "correct the name, or create the note",
    )


def _missing_subpath(note: Note, link: Link, target: Note) -> Diagnostic | None:
    if link.block is not None and link.block not in target.block_ids:
        return diagnostic(
            "broken-block-link",
            note.path,
            link.line,
            link.column,
            f"{link.raw}: {target.title!r} has no block ^{link.block}",
            f"add ' ^{link.block}' at the end of the paragraph in {target.title!r}",
        )
    if link.heading is not None:
        headings = {normalize_heading(heading) for heading in target.headings}
        missing = [
            part for part in link.heading.split("#") if normalize_heading(part) not in headings
        ]
        if missing:
            return diagnostic(
                "broken-heading-link",
                note.path,
                link.line,
                link.column,
                f"{link.raw}: {target.title!r} has no heading {missing[0]!r}",
                _closest_heading(target, missing[0]),
            )
    return None


def _closest_heading(target: Note, wanted: str) -> str | None:
    import difflib

    close = difflib.get_close_matches(wanted, list(target.headings), n=1)
    return f"did you mean #{close[0]}?" if close else None


def _strip_md(path: str) -> str:
    return path[:-3] if path.lower().endswith(".md") else path
