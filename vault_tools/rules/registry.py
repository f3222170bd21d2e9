"""Every rule vault-tools knows: its stable code and name, default severity and doc.

Codes and names are public interface (users select, ignore and suppress them):
never rename one; retire it instead. Codes are grouped by family:
VT1xx reading a note, VT2xx fields and schema, VT3xx links,
VT4xx contacts and referrals, VT5xx the interview cycle, VT6xx files, VT7xx generated blocks.
"""

from __future__ import annotations

from dataclasses import dataclass

from vault_tools.model import Diagnostic, Severity

ERROR = Severity.ERROR
WARNING = Severity.WARNING
INFO = Severity.INFO


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    title: str
    """One line for listings."""
    summary: str
    why: str
    example: str
    how_to_fix: str

    @property
    def doc(self) -> str:
        return (
            f"# {self.name} ({self.code}): {self.title}\n\n"
            f"Default severity: {self.severity.value}\n\n"
            f"## What it does\n{self.summary}\n\n"
            f"## Why\n{self.why}\n\n"
            f"## Example\n{self.example.strip()}\n\n"
            f"## How to fix\n{self.how_to_fix}\n"
        )


RULES: tuple[Rule, ...] = (
    # -- VT1xx: reading a note -------------------------------------------------
    Rule(
        "VT101",
        "invalid-yaml",
        ERROR,
        "Frontmatter is not valid YAML",
        "Reports frontmatter that is not valid YAML, at the line where the YAML parser stopped.",
        "Obsidian shows such a note with no properties at all, and every tool that reads "
        "the vault silently loses its fields.",
        "---\nstatus: contacted\norganization: Acme: Corp\n---",
        "Fix the line named in the message; quote values that contain `: `, `#` or start "
        "with `[`, `{`, `*`, `&`, `!`, `|`, `>` or `@`.",
    ),
    Rule(
        "VT102",
        "frontmatter-not-mapping",
        ERROR,
        "Frontmatter is not a set of key: value properties",
        "Reports frontmatter that is valid YAML but not a set of `key: value` pairs "
        "(a list, or a lone string).",
        "Properties are key/value pairs; a list or a string has no fields to read.",
        "---\n- contact\n- interviewed\n---",
        "Write each property as `key: value` on its own line.",
    ),
    Rule(
        "VT103",
        "unquoted-wikilink-in-yaml",
        ERROR,
        "Wikilink in frontmatter without quotes",
        "Reports a wikilink written without quotes in the frontmatter.",
        "YAML reads `[[Jane Doe]]` as a list inside a list, so Obsidian does not see a link "
        "and the property shows as nested lists. vault-tools reads it as the link you meant "
        "so that nothing else is reported twice, but Obsidian will not.",
        "---\nreferred_by: [[Jane Doe]]\n---",
        'Quote the link: `referred_by: "[[Jane Doe]]"`.',
    ),
    Rule(
        "VT104",
        "invalid-encoding",
        ERROR,
        "Note is not UTF-8 text",
        "Reports a note whose bytes are not UTF-8 (or that is UTF-16), at the first bad byte, "
        "and a file or folder whose name is not UTF-8 (it is not read).",
        "Obsidian and most tools expect UTF-8; other bytes show as garbage or break sync.",
        "A note saved as Windows-1252 containing `caf\\xe9`.",
        'Re-save the file as UTF-8 in your editor ("Save with encoding" / "Reopen with '
        'encoding"); rename a file whose name shows a replacement character (`\ufffd`).',
    ),
    Rule(
        "VT105",
        "unsafe-yaml-tag",
        ERROR,
        "YAML tag that builds objects (!!python/...)",
        "Reports YAML tags such as `!!python/object` that would run code or build objects "
        "when loaded by an unsafe loader.",
        "Frontmatter holds plain data. vault-tools only loads YAML safely and reads the "
        "tagged value as plain text, but such a tag is a sign of a copied exploit or "
        "a broken export.",
        "---\nstatus: !!python/object/apply:os.system ['echo hi']\n---",
        "Remove the tag and write a plain value.",
    ),
    Rule(
        "VT106",
        "duplicate-key",
        ERROR,
        "Frontmatter key written twice",
        "Reports a frontmatter key written twice in the same mapping.",
        "YAML keeps only the last value; the first is silently lost, and Obsidian may show either.",
        "---\nstatus: contacted\nstatus: scheduled\n---",
        "Keep one of the two lines.",
    ),
    Rule(
        "VT107",
        "unreadable-file",
        ERROR,
        "Note or folder cannot be read",
        "Reports a note or folder that could not be read (permissions, or an I/O error).",
        "A note that cannot be read, or a folder that cannot be listed, cannot be checked "
        "or indexed: its problems would go unseen.",
        "A note with mode 000.",
        "Fix the file's permissions, or add it to `ignore` in `.vault-tools.toml`.",
    ),
    Rule(
        "VT108",
        "note-too-large",
        WARNING,
        "Note too large to check",
        "Reports a Markdown file larger than `max_note_mb` (10 MB unless the config says "
        "otherwise). It is not read: links to it still resolve, but it is not checked or "
        "indexed.",
        "A note that size is a pasted log or an export rather than a note; reading it "
        "would make every command slow for everyone.",
        "A 50 MB `server.log.md` in the vault.",
        "Move the file out of the vault, rename it to another extension, or raise "
        "`max_note_mb` in `.vault-tools.toml`.",
    ),
    # -- VT2xx: fields and schema ----------------------------------------------
    Rule(
        "VT201",
        "missing-required-field",
        ERROR,
        "Required field missing or empty",
        "Reports a contact, interview or organization note that lacks a field its schema "
        "requires (for contacts: type, status, source; referred_by when source is referral; "
        "for interviews: type, contact, date; for organizations: type).",
        "The index pages and the referral graph rely on these fields.",
        "---\ntype: contact\nstatus: identified\n---",
        "Add the field named in the message. `vault-tools schema TYPE` prints every field.",
    ),
    Rule(
        "VT202",
        "invalid-field-value",
        ERROR,
        "Field value does not fit the schema",
        "Reports a field whose value does not fit the schema: wrong type, a value outside "
        "the allowed list, a malformed email, URL or date.",
        "A typo such as `status: interviwed` drops the note from every view that filters on it.",
        "---\ntype: contact\nstatus: interviwed\nsource: friend\n---",
        "Use one of the values listed in the message; dates are written `2026-10-14`.",
    ),
    Rule(
        "VT203",
        "property-type-mismatch",
        WARNING,
        "Value does not match .obsidian/types.json",
        "Reports a value that does not match the property type declared in "
        "`.obsidian/types.json` (text, multitext, number, checkbox, date, datetime, aliases, "
        "tags), as Obsidian's Properties view would.",
        "Obsidian shows such a property with a warning and may not edit it safely.",
        '.obsidian/types.json: {"types": {"duration_minutes": "number"}}\n'
        "---\nduration_minutes: half an hour\n---",
        "Change the value to the declared type, or change the type in Obsidian.",
    ),
    Rule(
        "VT204",
        "link-wrong-type",
        ERROR,
        "Link field points to the wrong kind of note",
        "Reports a link-typed field (such as `referred_by`, `contact` or `referrals`) that "
        "links to a note of another type, or holds something that is not a link.",
        "`referred_by` must name the person who referred you; a link to an interview "
        "or an organization breaks the referral graph.",
        '---\ntype: contact\nsource: referral\nreferred_by: "[[2026-10-14 Maya Chen]]"\n---',
        'Link the contact note instead: `referred_by: "[[Maya Chen]]"`.',
    ),
    Rule(
        "VT205",
        "unknown-note-type",
        WARNING,
        "Note type that vault-tools does not know",
        "Reports a `type:` value that is not a known note type (contact, interview, "
        "organization, or one defined under [schema.TYPE] in .vault-tools.toml).",
        "A typo such as `type: contat` silently turns off every check of that note and "
        "drops it from the index pages and the referral graph.",
        "---\ntype: contat\nstatus: identified\n---",
        "Correct the type; `vault-tools schema` lists the known types.",
    ),
    # -- VT3xx: links ----------------------------------------------------------
    Rule(
        "VT301",
        "broken-link",
        WARNING,
        "Link resolves to nothing",
        "Reports a link that does not resolve to any note or attachment, the way Obsidian "
        "resolves links. A link that matches a note's alias says which note and how to "
        "link it.",
        "Obsidian creates an empty note when such a link is clicked; usually it is a typo "
        "or a renamed note.",
        "See [[Jane Doo]] for details.",
        "Correct the name, link an alias as `[[Jane Doe|Alias]]`, or create the note.",
    ),
    Rule(
        "VT302",
        "ambiguous-link",
        WARNING,
        "Link matches several notes equally",
        "Reports a link that matches several notes equally well (same name, same folder "
        "depth, none in the linking note's folder).",
        "Obsidian picks one of them; which one can change when files move.",
        "[[Notes]] with both `contacts/Notes.md` and `interviews/Notes.md`.",
        "Write the folder too: `[[contacts/Notes]]`.",
    ),
    Rule(
        "VT303",
        "broken-heading-link",
        WARNING,
        "Linked heading does not exist",
        "Reports a link to a heading (`[[Note#Heading]]`) that the target note does not have.",
        "Obsidian opens the note at the top instead of the section you meant.",
        "[[Jane Doe#Notse]]",
        "Correct the heading; headings are matched ignoring case and punctuation.",
    ),
    Rule(
        "VT304",
        "broken-block-link",
        WARNING,
        "Linked block id does not exist",
        "Reports a link to a block (`[[Note#^id]]`) whose id the target note does not have.",
        "Obsidian opens the note at the top instead of the paragraph you meant.",
        "[[2026-10-14 Maya Chen#^advice]] when the paragraph ends with `^key-advice`.",
        "Correct the block id, or add ` ^id` at the end of the paragraph.",
    ),
    Rule(
        "VT305",
        "pending-referral",
        INFO,
        "Referral with no contact note yet",
        "Reports a person named in `referrals` or `referred_by` who has no contact note yet.",
        "Informational interviews end with names of other people to talk to; this keeps "
        "track of the ones you have not written down.",
        'referrals:\n  - "[[Priya Raman]]"',
        "Create the contact note (`contacts/Priya Raman.md` with `type: contact`, "
        "`source: referral` and `referred_by`) when you are ready to reach out.",
    ),
    # -- VT4xx: contacts and referrals -----------------------------------------
    Rule(
        "VT401",
        "self-referral",
        ERROR,
        "Contact referred by themselves",
        "Reports a contact whose `referred_by` is the contact itself, or an interview that "
        "lists its own contact among the referrals.",
        "Nobody refers you to themselves: it is almost always a copy-paste slip.",
        'contacts/Jane Doe.md:\n---\nreferred_by: "[[Jane Doe]]"\n---',
        "Link the person who actually referred you.",
    ),
    Rule(
        "VT402",
        "referral-cycle",
        WARNING,
        "Referrals go round in a circle",
        "Reports a chain of referrals that comes back to where it started "
        "(A referred you to B, and B referred you to A): once for each group of people "
        "who lead to each other, with the shortest circle through the first of them.",
        "A referral graph is a family tree of introductions; a cycle means one "
        "`referred_by` is wrong, and it hides who the chain started with.",
        "A: referred_by [[B]]; B: referred_by [[A]]",
        "Correct the one `referred_by` or `referrals` entry that is wrong: the chain must "
        "start with someone you found yourself.",
    ),
    Rule(
        "VT403",
        "duplicate-contact",
        WARNING,
        "Two contact notes for one person",
        "Reports two contact notes for the same person: the same email, the same LinkedIn "
        "URL, or the same name or alias.",
        "Interviews and referrals split between two notes; follow-ups get lost.",
        "contacts/Jane Doe.md and contacts/Work/Jane Doe.md",
        "Merge the two notes and keep the other name as an alias.",
    ),
    # -- VT5xx: the interview cycle --------------------------------------------
    Rule(
        "VT501",
        "thank-you-overdue",
        WARNING,
        "Thank-you not sent within the window",
        "Reports an interview held longer ago than the thank-you window (24 hours by "
        "default) with no `thank_you_sent`.",
        "A thank-you within a day is the single most expected courtesy after an "
        "informational interview, and the best moment to ask to stay in touch.",
        '---\ntype: interview\ncontact: "[[Maya Chen]]"\ndate: 2026-10-01\n---',
        "Send the note, then set `thank_you_sent: 2026-10-02`. "
        "The window is `thank_you_hours` in `.vault-tools.toml`.",
    ),
    Rule(
        "VT502",
        "thank-you-late",
        INFO,
        "Thank-you sent after the window",
        "Reports a thank-you sent after the window.",
        "Useful to review your own habits; it is information, not an error.",
        "---\ndate: 2026-10-01\nthank_you_sent: 2026-10-05\n---",
        "Nothing to fix for this one; aim for the same or the next day.",
    ),
    # -- VT6xx: files ----------------------------------------------------------
    Rule(
        "VT601",
        "sync-conflict-file",
        WARNING,
        "Conflict copy left by a sync tool",
        "Reports conflict copies made by sync tools: `Note (conflict 2026-01-02).md`, "
        "`Note.sync-conflict-20260102-123456-ABCDEFG.md` (Syncthing), "
        "`Note (Case Conflict).md` and `Note (Jane's conflicted copy 2026-01-02).md` (Dropbox).",
        "Two versions of one note diverge; edits in the copy are easy to lose.",
        "contacts/Maya Chen (conflict 2026-01-02).md",
        "Merge what differs into the original note, then delete the copy.",
    ),
    Rule(
        "VT602",
        "name-clash",
        WARNING,
        "Files whose names differ only in case or Unicode form",
        "Reports files whose vault paths are equal once case and Unicode normalization "
        "are ignored: `Ann Lee.md` and `ann lee.md`, or `José.md` written with a composed "
        "`é` and with `e` plus a combining accent.",
        "Obsidian's links treat such names as one, so a link to either is ambiguous; "
        "macOS and Windows cannot hold both in one folder, so a sync tool renames one "
        "or overwrites it with the other.",
        "contacts/Ann Lee.md\ncontacts/ann lee.md",
        "Merge the notes into one, or rename one so that the names differ in letters.",
    ),
    # -- VT7xx: generated blocks -------------------------------------------------
    Rule(
        "VT701",
        "invalid-block",
        ERROR,
        "Generated block markers that do not pair up",
        "Reports a `vault-tools:begin` marker with no end, a block inside a block, an end "
        "without a begin, an end that names another view, or a marker that only a lone "
        "carriage return (CR, an old Mac line ending) separates from other text on its line.",
        "vault-tools cannot tell where the generated text stops, so it leaves every block "
        "of the note untouched until the markers are fixed.",
        "<!-- vault-tools:begin contacts -->\n...\n(no end marker)",
        "Add or correct the end marker: `<!-- vault-tools:end contacts -->`.",
    ),
    Rule(
        "VT702",
        "unknown-view",
        ERROR,
        "Generated block names an unknown view or argument",
        "Reports a block whose view is not one vault-tools has, or whose arguments the "
        "view does not take (or takes with another kind of value).",
        "The block cannot be generated; it is left as it is.",
        "<!-- vault-tools:begin contact status=contacted -->",
        "Use one of the views listed in the message (`vault-tools index --help`): "
        "contacts, interviews, follow-ups, referrals, organizations, fields.",
    ),
    Rule(
        "VT703",
        "edited-block",
        WARNING,
        "Generated block edited by hand",
        "Reports a generated block whose text no longer matches the hash vault-tools "
        "recorded in its begin marker when it wrote it.",
        "What you typed there would be lost at the next `vault-tools index`, so the block "
        "is not regenerated until you decide.",
        "A row added by hand to the contacts table.",
        "Move your text outside the markers, then run `vault-tools index --force` to "
        "regenerate the block.",
    ),
)

BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}
BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}


def lookup(name_or_code: str) -> Rule | None:
    key = name_or_code.strip()
    return BY_NAME.get(key.lower()) or BY_CODE.get(key.upper())


def diagnostic(
    rule_name: str,
    path: str,
    line: int,
    column: int,
    message: str,
    fix: str | None = None,
) -> Diagnostic:
    """A diagnostic of rule ``rule_name`` at its default severity."""
    rule = BY_NAME[rule_name]
    return Diagnostic(
        path=path,
        line=max(1, line),
        column=max(1, column),
        severity=rule.severity,
        code=rule.code,
        rule=rule.name,
        message=message,
        fix=fix,
    )


def select(selectors: tuple[str, ...] | list[str]) -> set[str]:
    """The names of the rules matched by names, codes or code prefixes such as ``VT3``.

    Raises ValueError naming the first selector that matches nothing.
    """
    chosen: set[str] = set()
    for selector in selectors:
        key = selector.strip()
        if key.lower() == "all":
            chosen.update(BY_NAME)
            continue
        found = {
            rule.name
            for rule in RULES
            if rule.name == key.lower() or rule.code.startswith(key.upper())
        }
        if not found or not key:
            raise ValueError(f"unknown rule {selector!r} (`vault-tools rules` lists them)")
        chosen |= found
    return chosen
