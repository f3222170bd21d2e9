"""VT4xx: contacts and the referrals between them."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator

from vault_tools.links import normalize
from vault_tools.model import Diagnostic, Note
from vault_tools.referrals import ReferralEdge
from vault_tools.rules import LintContext, check
from vault_tools.rules.registry import diagnostic


@check("self-referral")
def check_self_referral(context: LintContext) -> Iterator[Diagnostic]:
    for edge in context.referral_edges:
        if edge.referrer == edge.referred and not edge.referrer.pending:
            note = context.vault.notes[edge.note]
            if edge.via == "referred_by":
                message = f"{note.title!r} is marked as referred by itself"
            else:
                message = f"the interview lists its own contact {edge.link.raw} as a referral"
            yield diagnostic(
                "self-referral",
                note.path,
                edge.link.line,
                edge.link.column,
                message,
                "link the person who actually referred you",
            )


@check("referral-cycle")
def check_referral_cycle(context: LintContext) -> Iterator[Diagnostic]:
    statements: dict[tuple[str, str], ReferralEdge] = {}
    for edge in context.referral_edges:
        if edge.referrer.pending or edge.referred.pending or edge.referrer == edge.referred:
            continue
        key = (edge.referrer.id, edge.referred.id)
        # Report at the contact's own referred_by when there is one: that is what to fix.
        if key not in statements or edge.via == "referred_by":
            statements[key] = edge
    referrals_of: dict[str, list[str]] = defaultdict(list)
    for referrer, referred in statements:
        referrals_of[referrer].append(referred)
    for circle in _circles(referrals_of):
        people = _shortest_circle(referrals_of, min(circle), circle)
        closing = statements[(people[-2], people[-1])]
        note = context.vault.notes[closing.note]
        chain = " → ".join(context.vault.notes[person].title for person in people)
        yield diagnostic(
            "referral-cycle",
            note.path,
            closing.link.line,
            closing.link.column,
            f"referrals go round in a circle: {chain}",
            "one link in this circle is wrong: correct the referred_by or referrals entry "
            "that names someone you actually met earlier",
        )


def _circles(successors: dict[str, list[str]]) -> list[set[str]]:
    """The groups of two or more people who all lead to each other through ``successors``
    (the strongly connected components: Tarjan's algorithm, with a stack of its own
    instead of recursion, which a long referral chain would exhaust). Networkx does the
    same, but takes a tenth of a second to import, for a warning."""
    order: dict[str, int] = {}  # when each person was reached
    low: dict[str, int] = {}  # the earliest person still open that each leads back to
    open_people: list[str] = []
    still_open: set[str] = set()
    found: list[set[str]] = []
    for root in list(successors):
        if root in order:
            continue
        order[root] = low[root] = len(order)
        open_people.append(root)
        still_open.add(root)
        path = [(root, iter(successors.get(root, ())))]
        while path:
            person, onward = path[-1]
            for following in onward:
                if following not in order:
                    order[following] = low[following] = len(order)
                    open_people.append(following)
                    still_open.add(following)
                    path.append((following, iter(successors.get(following, ()))))
                    break
                if following in still_open:
                    low[person] = min(low[person], order[following])
            else:  # every onward link of ``person`` followed
                path.pop()
                if path:
                    before = path[-1][0]
                    low[before] = min(low[before], low[person])
                if low[person] == order[person]:
                    group: set[str] = set()
                    while True:
                        member = open_people.pop()
                        still_open.discard(member)
                        group.add(member)
                        if member == person:
                            break
                    if len(group) > 1:
                        found.append(group)
    return found


def _shortest_circle(successors: dict[str, list[str]], start: str, within: set[str]) -> list[str]:
    """The shortest way from ``start`` back to itself through ``within`` (a group of
    ``_circles``, so there is one), as the people met on it: ``[start, ..., start]``."""
    came_from: dict[str, str] = {start: start}
    waiting = deque([start])
    while waiting:
        person = waiting.popleft()
        for following in successors.get(person, ()):
            if following == start:
                way = [person]
                while way[-1] != start:
                    way.append(came_from[way[-1]])
                return [*reversed(way), start]
            if following in within and following not in came_from:
                came_from[following] = person
                waiting.append(following)
    raise ValueError(f"{start!r} is in no circle")


@check("duplicate-contact")
def check_duplicate_contacts(context: LintContext) -> Iterator[Diagnostic]:
    by_key: dict[tuple[str, str], list[Note]] = defaultdict(list)
    for note in context.vault.notes_of_type("contact"):
        if note.is_template:
            continue
        keys = {("name or alias", normalize(name)) for name in (note.title, *note.aliases)}
        email = note.frontmatter.get("email")
        if isinstance(email, str) and email.strip():
            keys.add(("email", email.strip().casefold()))
        linkedin = note.frontmatter.get("linkedin")
        if isinstance(linkedin, str) and linkedin.strip():
            keys.add(("LinkedIn URL", _normalize_url(linkedin)))
        for key in keys:
            by_key[key].append(note)

    reasons: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (kind, _value), notes in sorted(by_key.items()):
        if len(notes) < 2:
            continue
        first = min(notes, key=lambda n: n.id)
        for other in notes:
            if other is not first:
                reasons[(other.id, first.id)].append(f"same {kind}")
    for (duplicate_id, original_id), why in sorted(reasons.items()):
        duplicate = context.vault.notes[duplicate_id]
        original = context.vault.notes[original_id]
        yield diagnostic(
            "duplicate-contact",
            duplicate.path,
            1,
            1,
            f"looks like the same person as [[{original.id}]] ({', '.join(sorted(set(why)))})",
            f"merge it into {original.path} and keep the other name as an alias",
        )


def _normalize_url(url: str) -> str:
    url = url.strip().casefold()
    for prefix in ("https://", "http://"):
        url = url.removeprefix(prefix)
    return url.removeprefix("www.").split("?", 1)[0].rstrip("/")
