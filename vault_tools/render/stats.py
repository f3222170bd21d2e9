"""`vault-tools stats` as text for a terminal."""

from __future__ import annotations

from typing import Any

from vault_tools.render.text import one_line


def stats_text(numbers: dict[str, Any]) -> str:
    """The numbers of ``referral_stats``; each name and field on one line."""
    lines = [
        f"Contacts: {numbers['contacts']} "
        f"(+{numbers['pending']} named in referrals with no note yet)",
        f"Referrals: {numbers['referrals']}",
        f"Contacts interviewed: {numbers['interviewed']}",
        "",
        "Top referrers (people introduced, people reached through them):",
    ]
    lines += [
        f"  {one_line(str(item['title']))}: {item['introduced']} introduced, reach {item['reach']}"
        for item in numbers["top_referrers"]
    ] or ["  none yet"]
    chain = numbers["longest_chain"]
    lines += [
        "",
        f"Longest referral chain ({len(chain)} people):",
        "  " + (" -> ".join(one_line(str(item["title"])) for item in chain) or "none"),
    ]
    lines += ["", "Referred to you, not yet contacted:"]
    lines += [
        f"  {one_line(str(item['title']))}" + (" (no note yet)" if item["pending"] else "")
        for item in numbers["referred_not_contacted"]
    ] or ["  nobody"]
    if numbers["no_referrer_no_source"]:
        lines += ["", "Contacts with no referrer and no source:"]
        lines += [f"  {one_line(str(item['title']))}" for item in numbers["no_referrer_no_source"]]
    lines += ["", "Sources (contacts, of whom interviewed):"]
    lines += [
        f"  {one_line(str(source))}: {counts['contacts']}, {counts['interviewed']} interviewed"
        for source, counts in numbers["sources"].items()
    ] or ["  none"]
    lines += ["", "People interviewed per career field:"]
    for field, count in numbers["people_interviewed_per_field"].items():
        caution = "  (fewer than 3: do not judge the field on this alone)" if count < 3 else ""
        lines.append(f"  {one_line(str(field))}: {count}{caution}")
    if not numbers["people_interviewed_per_field"]:
        lines.append("  none yet")
    return "\n".join(lines) + "\n"
