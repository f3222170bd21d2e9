"""The referral graph (who referred you to whom) and the questions asked of it.

Nodes are contact note ids; a person named in a referral who has no note yet is a
"pending" node keyed by the name as first written. Optionally a root node for you
links, through one node per ``source`` (family, alumni-directory, ...), to every
contact you found yourself.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from vault_tools.dates import as_moment, day_of
from vault_tools.links import normalize
from vault_tools.model import Note
from vault_tools.referrals import ReferralEdge, referral_edges
from vault_tools.vault import Vault

if TYPE_CHECKING:
    import networkx as nx

ROOT = "@me"
SOURCE_PREFIX = "@source:"
NODE_FIELDS = ("organization", "field", "status", "source")


def referral_graph(vault: Vault, *, include_root: bool = False) -> nx.DiGraph[str]:
    """A DiGraph of referrals: node and edge attributes are documented in the README.

    Self-referrals (reported by lint as ``self-referral``) are not edges.
    """
    import networkx as nx

    graph: nx.DiGraph[str] = nx.DiGraph()
    for note in vault.notes_of_type("contact"):
        if not note.is_template:
            graph.add_node(note.id, **_contact_attributes(note))
    pending_ids: dict[str, str] = {}
    for edge in referral_edges(vault):
        referrer = _node_id(graph, edge.referrer.id, edge.referrer.pending, pending_ids)
        referred = _node_id(graph, edge.referred.id, edge.referred.pending, pending_ids)
        if referrer != referred:
            _add_statement(graph, referrer, referred, edge)
    if include_root:
        add_root(graph)
    return graph


def _contact_attributes(note: Note) -> dict[str, Any]:
    attributes: dict[str, Any] = {"title": note.title, "kind": "contact", "pending": False}
    for field in NODE_FIELDS:
        value = note.frontmatter.get(field)
        attributes[field] = str(value) if isinstance(value, (str, int, float)) else None
    return attributes


def _node_id(graph: nx.DiGraph[str], name: str, pending: bool, pending_ids: dict[str, str]) -> str:
    if not pending:
        return name
    key = normalize(name)
    if key not in pending_ids:
        pending_ids[key] = name
        graph.add_node(name, title=name, kind="pending", pending=True, **dict.fromkeys(NODE_FIELDS))
    return pending_ids[key]


def _add_statement(
    graph: nx.DiGraph[str], referrer: str, referred: str, edge: ReferralEdge
) -> None:
    date = edge.date.isoformat() if hasattr(edge.date, "isoformat") else edge.date
    if graph.has_edge(referrer, referred):
        data = graph.edges[referrer, referred]
        if edge.note not in data["notes"]:
            data["notes"].append(edge.note)
        if edge.via not in data["via"]:
            data["via"].append(edge.via)
        if date and (data["date"] is None or str(date) < str(data["date"])):
            data["date"] = str(date)
        return
    graph.add_edge(
        referrer,
        referred,
        via=[edge.via],
        note=edge.note,
        notes=[edge.note],
        date=str(date) if date else None,
    )


def add_root(graph: nx.DiGraph[str]) -> None:
    """Add the node for you, linked through one node per source to each contact that
    nobody referred (in this graph)."""
    graph.add_node(ROOT, title="Me", kind="root", pending=False, **dict.fromkeys(NODE_FIELDS))
    found_yourself = [
        node
        for node, data in graph.nodes(data=True)
        if data["kind"] == "contact" and graph.in_degree(node) == 0
    ]
    for node in sorted(found_yourself):
        source = graph.nodes[node].get("source") or "unknown"
        channel = SOURCE_PREFIX + source
        if channel not in graph:
            graph.add_node(
                channel, title=source, kind="source", pending=False, **dict.fromkeys(NODE_FIELDS)
            )
            graph.add_edge(ROOT, channel, via=["source"], note=None, notes=[], date=None)
        graph.add_edge(channel, node, via=["source"], note=None, notes=[], date=None)


# -- filters ------------------------------------------------------------------------


@dataclass(frozen=True)
class GraphFilter:
    start: str | None = None
    """A node id: keep only it and the people reached through it."""
    depth: int | None = None
    organization: str | None = None
    field: str | None = None
    status: str | None = None


def filter_graph(graph: nx.DiGraph[str], wanted: GraphFilter) -> nx.DiGraph[str]:
    """The subgraph that ``wanted`` keeps (a copy; the input is unchanged)."""
    import networkx as nx

    keep = set(graph.nodes)
    if wanted.start is not None:
        lengths = nx.single_source_shortest_path_length(graph, wanted.start, cutoff=wanted.depth)
        keep = set(lengths)
    elif wanted.depth is not None:
        keep = set()
        for root in roots(graph):
            keep |= set(nx.single_source_shortest_path_length(graph, root, cutoff=wanted.depth))
    for field in ("organization", "field", "status"):
        expected = getattr(wanted, field)
        if expected is not None:
            keep = {
                node
                for node in keep
                if graph.nodes[node]["kind"] != "contact"
                or normalize(str(graph.nodes[node].get(field) or "")) == normalize(expected)
            }
            keep = {
                node
                for node in keep
                if graph.nodes[node]["kind"] == "contact" or _leads_to(graph, node, keep)
            }
    return graph.subgraph(keep).copy()


def _leads_to(graph: nx.DiGraph[str], node: str, keep: set[str]) -> bool:
    """Root and source nodes stay only while some kept contact hangs below them."""
    import networkx as nx

    return any(
        graph.nodes[other]["kind"] == "contact"
        for other in nx.descendants(graph, node)
        if other in keep
    )


def roots(graph: nx.DiGraph[str]) -> list[str]:
    """Where the referral chains start: nodes nobody referred, plus one node of each
    cycle that no such chain reaches (so every node is reachable from some root)."""
    found = sorted(node for node in graph if graph.in_degree(node) == 0)
    reached = _reachable(graph, found, set())
    for node in sorted(graph):
        if node not in reached:
            found.append(node)
            _reachable(graph, [node], reached)
    return found


def _reachable(graph: nx.DiGraph[str], starts: list[str], reached: set[str]) -> set[str]:
    """Adds to ``reached`` every node reachable from ``starts`` (linear in what is new)."""
    pending = [node for node in starts if node not in reached]
    reached.update(pending)
    while pending:
        node = pending.pop()
        for successor in graph.successors(node):
            if successor not in reached:
                reached.add(successor)
                pending.append(successor)
    return reached


def build_graph(
    vault: Vault, *, include_root: bool = False, start: str | None = None, wanted: GraphFilter
) -> nx.DiGraph[str]:
    """The referral graph narrowed by ``wanted``; ``start`` is a name (title, alias or id)
    resolved with ``find_person``. The root, if asked for, is added after filtering, so
    depths count referrals between people."""
    graph = referral_graph(vault)
    if start is not None:
        wanted = replace(wanted, start=find_person(graph, vault, start))
    if wanted != GraphFilter():  # (filtering copies the graph: 0.1 s at 20,000 notes)
        graph = filter_graph(graph, wanted)
    if include_root:
        add_root(graph)
    return graph


# -- finding people -------------------------------------------------------------------


class PersonNotFound(ValueError):
    """No person, or several, go by a name; the message lists candidates."""


def find_person(graph: nx.DiGraph[str], vault: Vault, name: str) -> str:
    """The one node ``name`` names (title, alias or id, any case); PersonNotFound otherwise."""
    matches = find_nodes(graph, vault, name)
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise PersonNotFound(
            f"{name!r} matches several people: {', '.join(matches)}; write the note id"
        )
    close = candidates_like(graph, name)
    hint = f"; did you mean: {', '.join(close)}?" if close else ""
    raise PersonNotFound(f"no contact named {name!r} in {vault.root}{hint}")


def find_nodes(graph: nx.DiGraph[str], vault: Vault, name: str) -> list[str]:
    """Nodes whose id, title or (for notes) alias is ``name``, case-insensitively."""
    matches = {note.id for note in vault.find_notes(name, "contact") if note.id in graph}
    wanted = normalize(name.strip())
    matches |= {
        node
        for node, data in graph.nodes(data=True)
        if data["kind"] == "pending" and normalize(node) == wanted
    }
    return sorted(matches)


def candidates_like(graph: nx.DiGraph[str], name: str, limit: int = 5) -> list[str]:
    import difflib

    titles = {
        str(data["title"]): node
        for node, data in graph.nodes(data=True)
        if data["kind"] in ("contact", "pending")
    }
    close = difflib.get_close_matches(name, list(titles), n=limit, cutoff=0.5)
    return [titles[title] for title in close]


# -- questions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Hop:
    referrer: str
    referred: str
    notes: tuple[str, ...]
    date: str | None
    via: tuple[str, ...]


def paths_to(graph: nx.DiGraph[str], target: str, *, every: bool = False) -> list[list[Hop]]:
    """How you reached ``target``: the shortest chain from a root (all of them with ``every``).

    Expects a graph built with ``include_root=True`` so that contacts you found yourself
    start at the root. A person nobody reaches is their own one-node chain: an empty list.
    """
    import networkx as nx

    sources = [root for root in roots(graph) if root != target]
    chains: list[list[str]] = []
    for source in sources:
        if not nx.has_path(graph, source, target):
            continue
        if every:
            # Dense graphs have exponentially many chains: list the first hundred.
            chains.extend(itertools.islice(nx.all_simple_paths(graph, source, target), 100))
        else:
            chains.append(nx.shortest_path(graph, source, target))
    if not chains:
        return [[]]
    chains.sort(key=lambda chain: (len(chain), chain))
    if not every:
        chains = chains[:1]
    return [[_hop(graph, a, b) for a, b in zip(chain, chain[1:], strict=False)] for chain in chains]


def _hop(graph: nx.DiGraph[str], referrer: str, referred: str) -> Hop:
    data = graph.edges[referrer, referred]
    return Hop(
        referrer,
        referred,
        tuple(data.get("notes") or ()),
        data.get("date"),
        tuple(data.get("via") or ()),
    )


def longest_chain(graph: nx.DiGraph[str]) -> list[str]:
    """The longest referral chain between contacts (cycles are counted once)."""
    import networkx as nx

    people = graph.subgraph(
        n for n, d in graph.nodes(data=True) if d["kind"] in ("contact", "pending")
    )
    condensed = nx.condensation(people)
    path = nx.dag_longest_path(condensed)
    chain: list[str] = []
    for component in path:
        chain.extend(sorted(condensed.nodes[component]["members"]))
    return chain


def reach_sizes(graph: nx.DiGraph[str]) -> dict[str, int]:
    """For every node, how many people (contacts and pending) are reached through it.

    One pass over the condensation (cycles collapsed), with Python integers as bit
    sets: linear in the graph's size times a word per 64 people, not quadratic.
    """
    import networkx as nx

    people = [
        node for node, data in graph.nodes(data=True) if data["kind"] in ("contact", "pending")
    ]
    bit = {node: 1 << index for index, node in enumerate(people)}
    condensed = nx.condensation(graph)
    members = {component: condensed.nodes[component]["members"] for component in condensed}
    own = {
        component: sum(bit.get(node, 0) for node in nodes) for component, nodes in members.items()
    }
    below: dict[int, int] = {}
    for component in reversed(list(nx.topological_sort(condensed))):
        bits = 0
        for successor in condensed.successors(component):
            bits |= own[successor] | below[successor]
        below[component] = bits
    sizes = {}
    for component, nodes in members.items():
        for node in nodes:
            # in a cycle, each member also reaches the others of its cycle
            cycle = own[component] & ~bit.get(node, 0) if len(nodes) > 1 else 0
            sizes[node] = (below[component] | cycle).bit_count()
    return sizes


def iter_people(graph: nx.DiGraph[str]) -> Iterable[tuple[str, dict[str, Any]]]:
    return (
        (node, data)
        for node, data in graph.nodes(data=True)
        if data["kind"] in ("contact", "pending")
    )


NOT_YET_CONTACTED = ("identified", None)


def referral_stats(
    vault: Vault, graph: nx.DiGraph[str], *, top: int = 5, today: dt.date | None = None
) -> dict[str, Any]:
    """The numbers `vault-tools stats` prints; plain JSON-ready values, stable order.

    ``graph`` is a graph built without the root node. Interviews dated after ``today``
    (default: the real today) have not happened yet and do not count.
    """
    people = dict(iter_people(graph))
    contacts = {node: data for node, data in people.items() if data["kind"] == "contact"}
    referrals = [(a, b) for a, b in graph.edges if a in people and b in people]
    interviewed = _interviewed_contacts(vault, today or dt.date.today())

    sizes = reach_sizes(graph)
    referrers = []
    for node in people:
        introduced = graph.out_degree(node)
        if introduced:
            referrers.append(
                {
                    "id": node,
                    "title": people[node]["title"],
                    "introduced": introduced,
                    "reach": sizes[node],
                }
            )
    referrers.sort(key=lambda item: (-item["introduced"], -item["reach"], item["id"]))

    chain = longest_chain(graph)
    waiting = sorted(
        node
        for node, data in people.items()
        if graph.in_degree(node) and (data["pending"] or data["status"] in NOT_YET_CONTACTED)
    )
    unsourced = sorted(
        node for node, data in contacts.items() if graph.in_degree(node) == 0 and not data["source"]
    )

    by_source: dict[str, dict[str, int]] = {}
    for node, data in contacts.items():
        source = data["source"] or "unknown"
        counts = by_source.setdefault(source, {"contacts": 0, "interviewed": 0})
        counts["contacts"] += 1
        counts["interviewed"] += node in interviewed
    by_field: dict[str, int] = {}
    for node in interviewed:
        field = contacts.get(node, {}).get("field")
        if field:
            by_field[field] = by_field.get(field, 0) + 1

    return {
        "contacts": len(contacts),
        "pending": len(people) - len(contacts),
        "referrals": len(referrals),
        "interviewed": len(interviewed),
        "top_referrers": referrers[:top],
        "longest_chain": [{"id": node, "title": people[node]["title"]} for node in chain],
        "referred_not_contacted": [
            {"id": node, "title": people[node]["title"], "pending": people[node]["pending"]}
            for node in waiting
        ],
        "no_referrer_no_source": [
            {"id": node, "title": people[node]["title"]} for node in unsourced
        ],
        "sources": {source: by_source[source] for source in sorted(by_source)},
        "people_interviewed_per_field": {field: by_field[field] for field in sorted(by_field)},
    }


def _interviewed_contacts(vault: Vault, today: dt.date) -> set[str]:
    """Contacts that at least one interview held by ``today`` is about."""
    interviewed = set()
    for note in vault.notes_of_type("interview"):
        held = as_moment(note.frontmatter.get("date"))
        if held is None or day_of(held) > today:
            continue
        for link in note.links:
            if link.in_frontmatter and link.key == "contact":
                target = vault.linked_note(link, note)
                if target is not None and target.note_type == "contact":
                    interviewed.add(target.id)
    return interviewed
