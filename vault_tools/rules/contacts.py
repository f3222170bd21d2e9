"""VT4xx: contacts and the referrals between them."""

from __future__ import annotations

import graphlib
from collections import defaultdict
from collections.abc import Iterable, Iterator

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
    if not _has_cycle(statements):
        return  # the usual case, answered without loading networkx (a tenth of a second)
    import networkx as nx

    graph: nx.DiGraph[str] = nx.DiGraph(list(statements))
    for component in nx.strongly_connected_components(graph):
        if len(component) < 2:
            continue
        start = min(component)
        cycle = nx.find_cycle(graph.subgraph(component), source=start)
        people = [referrer for referrer, _ in cycle] + [cycle[0][0]]
        closing = statements[cycle[-1]]
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


def _has_cycle(edges: Iterable[tuple[str, str]]) -> bool:
    referred_by: dict[str, set[str]] = defaultdict(set)
    for referrer, referred in edges:
        referred_by[referred].add(referrer)
    try:
        graphlib.TopologicalSorter(referred_by).prepare()
    except graphlib.CycleError:
        return True
    return False


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
