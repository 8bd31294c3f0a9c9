"""Small-batch groups: small, diverse, local groups of people who share a cause.

A group of ``min_size`` to ``max_size`` people (3 to 6 by default) is scored as a weighted sum
of named parts, each between 0 and 1:

``passion``
    How much the members care: the mean passion mapped from 1..5 to 0..1.
``diversity``
    Half the normalized Shannon entropy of the members' background sectors, half the share of
    member pairs that share no organization. A cap (``max_per_organization``) on how many
    members one organization may have is a hard rule of the search.
``locality``
    The mean over member pairs of 1 (same neighbourhood), 0.5 (same city, another
    neighbourhood) or 0.
``cohesion``
    Whether the members are already within reach of each other: each member counts 1 with a
    usable tie to another member, 0.6 with a 2-hop path of usable ties to one, else 0. A group
    of strangers scores 0.
``novelty``
    One minus the density of usable ties among the members: a group who all know each other
    already is nothing new and scores 0.
``reach``
    Non-redundant reach after Burt's structural holes: the people outside the group reached by
    exactly one member, divided by everyone the group reaches plus ``2 x size`` (so tiny
    networks do not score high).
``complementarity``
    The share of the members' needs that another member's offer meets (text matching on
    normalized words: lower case, no punctuation or filler words, plurals folded).

The score is ``sum(weight x part) / sum(weights)``.

Search
------
:func:`suggest_groups` grows groups greedily from seeds and then improves each by local moves:

1. Seeds are the candidates in order of passion, then usable ties, then a seeded random key
   (so the order is deterministic for a fixed ``seed``); a candidate already in
   ``max_per_person`` grown groups is skipped as a seed, so seeds spread over the network.
2. From a seed, the group grows by the candidate that raises the score most, among candidates
   within 2 usable hops of a current member (the "within reach" rule, which also keeps the
   search local: the pool is a 2-hop neighbourhood, never the whole network). Growth stops at
   ``max_size``, or once at least ``min_size`` when no addition raises the score.
3. Local improvement: the best of every swap (one member out, one of the ``swap_limit``
   most promising pool candidates in), removal and addition is applied while it raises the
   score, at most ``improve_rounds`` times.
4. A finished group is a candidate unless it was excluded (dismissed, or a member said "not
   for me") or repeats another seed's group. Candidates are then kept best first, each person
   in at most ``max_per_person`` kept groups, counting ``usage`` given by the caller (groups
   already convened, or kept for another cause in the same run).

Each seed costs O(max_size x pool_limit + improve_rounds x max_size x swap_limit) score
evaluations (each O(size^2 + the members' ties), memoized), so a cause costs the same whatever
the size of the network: the work is linear in the number of seeds tried (``seed_limit``).
"""

from __future__ import annotations

import itertools
import math
import random
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import networkx as nx

from network_app.graph.paths import usable_strength

PART_NAMES = (
    "passion",
    "diversity",
    "locality",
    "cohesion",
    "novelty",
    "reach",
    "complementarity",
)

Strength = Callable[[nx.Graph, int, int], "int | None"]


@dataclass(frozen=True)
class Candidate:
    """What the group engine knows of one eligible person for one cause.

    ``organizations`` holds organization ids, ``organization_names`` the matching names (for
    explanations); ``offers`` and ``needs`` are free text, one entry per interest.
    """

    id: int
    name: str
    passion: int
    sector: str = ""
    sector_label: str = ""
    organizations: frozenset[int] = frozenset()
    organization_names: tuple[str, ...] = ()
    neighbourhood: str = ""
    city: str = ""
    offers: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupWeights:
    """Weights of the score's parts (any non-negative numbers; they are normalized)."""

    passion: float = 1.0
    diversity: float = 1.0
    locality: float = 1.0
    cohesion: float = 1.5
    novelty: float = 1.0
    reach: float = 1.0
    complementarity: float = 1.0

    @classmethod
    def from_mapping(cls, values: Mapping[str, float]) -> GroupWeights:
        """Weights from a mapping of part names (unknown names are ignored)."""
        known = {k: float(v) for k, v in values.items() if k in PART_NAMES}
        return cls(**known)

    def as_dict(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in PART_NAMES}


@dataclass(frozen=True)
class Exclusion:
    """A rule that keeps a group from being proposed again.

    A group is excluded when it contains every person of ``required`` and at least
    ``overlap`` people of ``members``. A dismissed group ``S`` is
    ``Exclusion(members=S, overlap=len(S))`` (that group, or any group containing it); a
    member ``p`` saying "not for me" to ``S`` is ``Exclusion(members=S, required={p},
    overlap=3)`` (``p`` with two or more of the same people).
    """

    members: frozenset[int]
    required: frozenset[int] = frozenset()
    overlap: int = 0

    def blocks(self, group: Iterable[int]) -> bool:
        people = set(group)
        if not self.required <= people:
            return False
        return len(people & self.members) >= min(self.overlap or len(self.members), len(people))


@dataclass(frozen=True)
class Match:
    """An offer of ``giver`` that meets a need of ``taker``."""

    giver: int
    taker: int
    offer: str
    need: str


@dataclass(frozen=True)
class GroupScore:
    """A scored group: members (sorted ids), the total, its parts and the facts behind them."""

    members: tuple[int, ...]
    score: float
    parts: dict[str, float]
    matches: tuple[Match, ...] = ()
    direct_ties: tuple[tuple[int, int, int], ...] = ()
    two_hop: tuple[tuple[int, int, int], ...] = ()  # (member, via, other member)
    unique_reach: int = 0
    total_reach: int = 0


class GroupSearchError(ValueError):
    """The search's options are out of range."""


# ---------------------------------------------------------------------------------------------
# Text matching of offers and needs

_STOPWORDS = frozenset(
    {"a", "an", "and", "the", "of", "for", "to", "in", "on", "with", "or", "at", "by", "from"}
    | {"our", "my", "your", "their", "some", "any", "who", "can", "help", "i", "we"}
    | {"need", "needs", "offer", "offers", "access", "space"}
)
_WORD = re.compile(r"[a-z0-9]+")


def keywords(text: str) -> frozenset[str]:
    """Normalized content words of an offer or a need.

    Examples
    --------
    >>> sorted(keywords("A commercial kitchen!"))
    ['commercial', 'kitchen']
    >>> keywords("Kitchens") == keywords("kitchen")
    True
    """
    words = set()
    for word in _WORD.findall(text.lower()):
        if word in _STOPWORDS or len(word) < 3:
            continue
        if len(word) > 4 and word.endswith("ies"):
            word = word[:-3] + "y"
        elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.add(word)
    return frozenset(words)


def texts_match(offer: str, need: str) -> bool:
    """Whether an offer meets a need: the same words, or one's words contain the other's, or
    at least half of the words shared (Jaccard >= 0.5).

    Examples
    --------
    >>> texts_match("a commercial kitchen", "Commercial kitchen time")
    True
    >>> texts_match("legal advice", "a commercial kitchen")
    False
    """
    return _words_match(keywords(offer), keywords(need))


# ---------------------------------------------------------------------------------------------
# Scoring


class GroupContext:
    """Precomputed facts for scoring groups of ``candidates`` on ``G``.

    Parameters
    ----------
    G : networkx.Graph
        The people graph; only ties for which ``strength`` returns a value count.
    candidates : iterable of Candidate
        The eligible people (for one cause).
    weights : GroupWeights
    strength : callable
        ``strength(G, u, v)`` is the usable strength of the tie u-v or None;
        :func:`network_app.graph.usable_strength` by default (consent-aware).
    """

    def __init__(
        self,
        G: nx.Graph,
        candidates: Iterable[Candidate],
        *,
        weights: GroupWeights | None = None,
        strength: Strength = usable_strength,
    ) -> None:
        self.G = G
        self.weights = weights or GroupWeights()
        self.weight_total = sum(self.weights.as_dict().values()) or 1.0
        self.people: dict[int, Candidate] = {c.id: c for c in candidates if c.id in G}
        self.strength = strength
        self._nbrs: dict[int, dict[int, int]] = {}
        self._near: dict[int, frozenset[int]] = {}
        self._relays: dict[int, list[int]] = {}
        self._scores: dict[tuple[int, ...], float] = {}
        self._feasible: dict[tuple[int, ...], bool] = {}
        self._match_cache: dict[tuple[int, int], tuple[Match, ...]] = {}
        self._offer_words: dict[int, list[tuple[str, frozenset[str]]]] = {}
        self._need_words: dict[int, list[tuple[str, frozenset[str]]]] = {}
        for c in self.people.values():
            self._offer_words[c.id] = [(o, keywords(o)) for o in c.offers if o.strip()]
            self._need_words[c.id] = [(n, keywords(n)) for n in c.needs if n.strip()]

    def neighbours(self, person: int) -> dict[int, int]:
        """Usable ties of ``person``: neighbour -> strength (cached)."""
        found = self._nbrs.get(person)
        if found is None:
            G, strength = self.G, self.strength
            found = {}
            for other in G._adj[person]:
                s = strength(G, person, other)
                if s is not None:
                    found[other] = s
            self._nbrs[person] = found
        return found

    def relays(self, person: int) -> list[int]:
        """Usable contacts of ``person`` who may relay an introduction, by id (cached)."""
        found = self._relays.get(person)
        if found is None:
            found = sorted(v for v in self.neighbours(person) if can_relay(self.G, v))
            self._relays[person] = found
        return found

    def near(self, person: int) -> frozenset[int]:
        """Candidates within 2 usable hops of ``person`` (not ``person``)."""
        found = self._near.get(person)
        if found is None:
            people = self.people
            reached: set[int] = set()
            for one in self.neighbours(person):
                if one in people:
                    reached.add(one)
                if not can_relay(self.G, one):
                    continue
                for two in self.neighbours(one):
                    if two in people:
                        reached.add(two)
            reached.discard(person)
            found = frozenset(reached)
            self._near[person] = found
        return found

    def matches(self, giver: int, taker: int) -> tuple[Match, ...]:
        key = (giver, taker)
        found = self._match_cache.get(key)
        if found is None:
            result = []
            for need, need_words in self._need_words[taker]:
                for offer, offer_words in self._offer_words[giver]:
                    if _words_match(offer_words, need_words):
                        result.append(Match(giver=giver, taker=taker, offer=offer, need=need))
                        break
            found = tuple(result)
            self._match_cache[key] = found
        return found

    def score(self, members: Iterable[int], *, details: bool = False) -> GroupScore:
        """Score a group (see the module docstring for the parts).

        Examples
        --------
        >>> G = nx.Graph()
        >>> from network_app.graph.paths import set_tie
        >>> set_tie(G, 1, 2, strength_one=4, strength_other=4, allow_one=True, allow_other=True)
        >>> set_tie(G, 2, 3, strength_one=3, strength_other=3, allow_one=True, allow_other=True)
        >>> ctx = GroupContext(G, [Candidate(i, f"P{i}", 4) for i in (1, 2, 3)])
        >>> ctx.score([1, 2, 3]).parts["cohesion"]
        1.0
        """
        ids = tuple(sorted(set(members)))
        size = len(ids)
        people = [self.people[i] for i in ids]
        parts: dict[str, float] = dict.fromkeys(PART_NAMES, 0.0)
        if size < 2:
            return GroupScore(members=ids, score=0.0, parts=parts)
        member_set = set(ids)
        pairs = size * (size - 1) // 2

        parts["passion"] = (sum(p.passion for p in people) / size - 1) / 4

        sectors = Counter(p.sector or f"?{p.id}" for p in people)
        entropy = -sum((n / size) * math.log(n / size) for n in sectors.values())
        sector_diversity = entropy / math.log(size)
        org_pairs_apart = sum(
            1
            for a, b in itertools.combinations(people, 2)
            if not (a.organizations & b.organizations)
        )
        parts["diversity"] = 0.5 * sector_diversity + 0.5 * org_pairs_apart / pairs

        locality = 0.0
        for a, b in itertools.combinations(people, 2):
            if a.neighbourhood and a.neighbourhood == b.neighbourhood and a.city == b.city:
                locality += 1.0
            elif a.city and a.city == b.city:
                locality += 0.5
        parts["locality"] = locality / pairs

        nbrs = {i: self.neighbours(i) for i in ids}
        direct: list[tuple[int, int, int]] = []
        for low, high in itertools.combinations(ids, 2):
            s = nbrs[low].get(high)
            if s is not None:
                direct.append((low, high, s))
        has_direct = {x for low, high, _ in direct for x in (low, high)}
        two_hop: list[tuple[int, int, int]] = []
        cohesion = float(len(has_direct))
        for person in ids:
            if person in has_direct:
                continue
            via_found = None
            for via in self.relays(person):
                if via in member_set:
                    continue
                other = next((m for m in ids if m != person and via in nbrs[m]), None)
                if other is not None:
                    via_found = (person, via, other)
                    break
            if via_found is not None:
                cohesion += 0.6
                two_hop.append(via_found)
        parts["cohesion"] = cohesion / size
        parts["novelty"] = 1.0 - len(direct) / pairs

        # Non-redundant reach: people outside the group reached by exactly one member.
        seen: set[int] = set()
        twice: set[int] = set()
        for i in ids:
            reached = nbrs[i].keys()
            twice |= seen & reached
            seen |= reached
        seen -= member_set
        twice -= member_set
        total = len(seen)
        unique = total - len(twice)
        parts["reach"] = unique / (total + 2 * size)

        needs_total = sum(len(self._need_words[i]) for i in ids)
        matches: list[Match] = []
        if needs_total:
            met: set[tuple[int, str]] = set()
            for giver, taker in itertools.permutations(ids, 2):
                for m in self.matches(giver, taker):
                    if (taker, m.need) not in met:
                        met.add((taker, m.need))
                        matches.append(m)
            parts["complementarity"] = len(met) / needs_total

        w = self.weights
        total_score = (
            sum(getattr(w, name) * value for name, value in parts.items()) / self.weight_total
        )
        if not details:
            return GroupScore(members=ids, score=total_score, parts=parts)
        return GroupScore(
            members=ids,
            score=total_score,
            parts=parts,
            matches=tuple(matches),
            direct_ties=tuple(direct),
            two_hop=tuple(two_hop),
            unique_reach=unique,
            total_reach=total,
        )

    def value(self, members: Iterable[int]) -> float:
        """The score of a group, memoized (the search evaluates many groups repeatedly)."""
        key = tuple(sorted(members))
        found = self._scores.get(key)
        if found is None:
            found = self.score(key).score
            self._scores[key] = found
        return found

    def feasible_cached(self, members: Sequence[int], *, max_per_organization: int) -> bool:
        """:meth:`feasible`, memoized per group."""
        key = (max_per_organization, *sorted(members))
        found = self._feasible.get(key)
        if found is None:
            found = self.feasible(members, max_per_organization=max_per_organization)
            self._feasible[key] = found
        return found

    def feasible(self, members: Sequence[int], *, max_per_organization: int) -> bool:
        """Whether a group respects the organization cap and the "within reach" rule (every
        member has a usable tie or a 2-hop usable path to another member)."""
        orgs: Counter[int] = Counter()
        for i in members:
            orgs.update(self.people[i].organizations)
        if orgs and max(orgs.values()) > max_per_organization:
            return False
        return all(any(o in self.near(i) for o in members if o != i) for i in members)


def can_relay(G: nx.Graph, person: int) -> bool:
    """Whether ``person`` may be the middle of a 2-hop path (an intermediary: open to
    introductions, not hidden, not do-not-contact; see ``PersonState``)."""
    state = G._node[person].get("state")
    return state is None or bool(state.intermediary)


def _words_match(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return False
    if a <= b or b <= a:
        return True
    return len(a & b) / len(a | b) >= 0.5


# ---------------------------------------------------------------------------------------------
# Search


@dataclass
class SearchOptions:
    """Options of :func:`suggest_groups` (see its docstring)."""

    min_size: int = 3
    max_size: int = 6
    max_groups: int = 10
    max_per_person: int = 1
    max_per_organization: int = 2
    seed: int = 0
    seed_limit: int = 30
    pool_limit: int = 30
    swap_limit: int = 12
    improve_rounds: int = 6
    exclusions: Sequence[Exclusion] = ()

    def validate(self) -> None:
        if not 2 <= self.min_size <= self.max_size <= 12:
            raise GroupSearchError("Sizes must satisfy 2 <= min_size <= max_size <= 12.")
        if self.max_groups < 0 or self.max_per_person < 1 or self.max_per_organization < 1:
            raise GroupSearchError("max_groups >= 0, max_per_person >= 1, cap >= 1.")


def suggest_groups(
    G: nx.Graph,
    candidates: Iterable[Candidate],
    *,
    weights: GroupWeights | None = None,
    options: SearchOptions | None = None,
    strength: Strength = usable_strength,
    usage: dict[int, int] | None = None,
) -> list[GroupScore]:
    """Propose up to ``options.max_groups`` groups, best first (see the module docstring).

    Parameters
    ----------
    G : networkx.Graph
        The people graph (see :mod:`network_app.graph.paths`).
    candidates : iterable of Candidate
        Eligible people for one cause (the caller applies consent and visibility).
    weights : GroupWeights, optional
    options : SearchOptions, optional
    strength : callable, optional
        Usable strength of a tie, or None for a tie that may not be used.
    usage : dict, optional
        Person id -> how many groups they are in already; updated in place, so the same dict
        passed to several calls (one per cause) limits appearances across all of them.

    Returns
    -------
    list of GroupScore
        With details (matches, ties, reach counts), best score first, ties broken by ids.

    Examples
    --------
    >>> from network_app.graph.paths import set_tie
    >>> G = nx.Graph()
    >>> for u, v in [(1, 2), (2, 3), (3, 4)]:
    ...     set_tie(G, u, v, strength_one=3, strength_other=3, allow_one=True, allow_other=True)
    >>> people = [Candidate(i, f"P{i}", 4, sector=s) for i, s in zip((1, 2, 3, 4), "abcd")]
    >>> groups = suggest_groups(G, people, options=SearchOptions(min_size=3, max_size=3))
    >>> len(groups[0].members)
    3
    """
    options = options or SearchOptions()
    options.validate()
    ctx = GroupContext(G, candidates, weights=weights, strength=strength)
    if usage is None:
        usage = {}
    rng = random.Random(options.seed)
    keys = {pid: rng.random() for pid in sorted(ctx.people)}
    order = sorted(
        ctx.people.values(),
        key=lambda c: (-c.passion, -len(ctx.neighbours(c.id)), keys[c.id], c.id),
    )
    # Phase 1: one grown and improved group per seed, for up to seed_limit seeds.
    grown: dict[tuple[int, ...], GroupScore] = {}
    covered: Counter[int] = Counter()
    tried = 0
    for seed_person in order:
        if tried >= max(options.seed_limit, options.max_groups):
            break
        if usage.get(seed_person.id, 0) + covered[seed_person.id] >= options.max_per_person:
            continue  # already in enough grown groups: a new seed explores elsewhere
        tried += 1
        group = grow_group(ctx, seed_person.id, options=options, usage=usage, keys=keys)
        if group is None or group in grown:
            continue
        covered.update(group)
        if any(ex.blocks(group) for ex in options.exclusions):
            continue
        grown[group] = ctx.score(group)
    # Phase 2: the best groups first, each person in at most max_per_person of them.
    kept: list[GroupScore] = []
    for scored in sorted(grown.values(), key=lambda g: (-g.score, g.members)):
        if len(kept) >= options.max_groups:
            break
        if any(usage.get(pid, 0) >= options.max_per_person for pid in scored.members):
            continue
        kept.append(ctx.score(scored.members, details=True))
        for pid in scored.members:
            usage[pid] = usage.get(pid, 0) + 1
    # Phase 3: when seeds converged on few groups, grow more around the people still free
    # (those at max_per_person are out of every pool now).
    tried = 0
    for seed_person in order:
        if len(kept) >= options.max_groups or tried >= options.seed_limit:
            break
        if usage.get(seed_person.id, 0) >= options.max_per_person:
            continue
        tried += 1
        again = replace(
            options,
            exclusions=[*options.exclusions, *(_near_copy(g.members) for g in kept)],
        )
        group = grow_group(ctx, seed_person.id, options=again, usage=usage, keys=keys)
        if group is None or group in grown:
            continue
        grown[group] = ctx.score(group)
        if any(ex.blocks(group) for ex in options.exclusions):
            continue
        kept.append(ctx.score(group, details=True))
        for pid in group:
            usage[pid] = usage.get(pid, 0) + 1
    kept.sort(key=lambda g: (-g.score, g.members))
    return kept


def grow_group(
    ctx: GroupContext,
    seed: int,
    *,
    options: SearchOptions,
    usage: Mapping[int, int] | None = None,
    keys: Mapping[int, float] | None = None,
) -> tuple[int, ...] | None:
    """Greedy growth from ``seed`` plus local improvement; the group's sorted ids, or None
    when no feasible group of at least ``min_size`` exists around the seed."""
    usage = usage or {}
    keys = keys or {}
    cap = options.max_per_person

    def available(pid: int) -> bool:
        return usage.get(pid, 0) < cap

    def blocked(members: Sequence[int]) -> bool:
        return any(ex.blocks(members) for ex in options.exclusions)

    def pool_of(members: Sequence[int]) -> list[int]:
        pool: set[int] = set()
        for m in members:
            pool |= ctx.near(m)
        pool.difference_update(members)
        ranked = sorted(
            (p for p in pool if available(p)),
            key=lambda p: (-ctx.people[p].passion, keys.get(p, 0.0), p),
        )
        return ranked[: options.pool_limit]

    def ok(members: Sequence[int]) -> bool:
        return ctx.feasible_cached(members, max_per_organization=options.max_per_organization)

    value = ctx.value

    group: list[int] = [seed]
    current = 0.0
    while len(group) < options.max_size:
        best: tuple[float, int] | None = None
        for p in pool_of(group):
            trial = [*group, p]
            if not _org_ok(ctx, trial, options.max_per_organization):
                continue
            s = value(trial)
            if best is None or s > best[0]:
                best = (s, p)
        if best is None:
            break
        if len(group) >= options.min_size and best[0] <= current:
            break
        group.append(best[1])
        current = best[0]
    if len(group) < options.min_size:
        return None

    # Local improvement: best swap, removal or addition while it raises the score.
    # An infeasible or excluded start accepts any feasible, allowed move.
    current = value(group) if ok(group) and not blocked(group) else -1.0
    for _ in range(options.improve_rounds):
        best_move: tuple[float, list[int]] | None = None
        # Swap in only the most promising outsiders: those whose addition scores best.
        pool = sorted(pool_of(group), key=lambda p: (-value([*group, p]), p))
        pool = pool[: options.swap_limit]
        moves: list[list[int]] = []
        for out in group:
            rest = [m for m in group if m != out]
            moves.extend([*rest, p] for p in pool)
            if len(rest) >= options.min_size:
                moves.append(rest)
        if len(group) < options.max_size:
            moves.extend([*group, p] for p in pool)
        for trial in moves:
            if not ok(trial) or blocked(trial):
                continue
            s = value(trial)
            if s > current + 1e-12 and (best_move is None or s > best_move[0]):
                best_move = (s, trial)
        if best_move is None:
            break
        current, group = best_move
    if not ok(group) or blocked(group):
        return None
    return tuple(sorted(group))


def _near_copy(members: Sequence[int]) -> Exclusion:
    """Blocks groups that repeat all but one of ``members`` (a near copy of a kept group)."""
    return Exclusion(members=frozenset(members), overlap=max(2, len(members) - 1))


def _org_ok(ctx: GroupContext, members: Sequence[int], cap: int) -> bool:
    orgs: Counter[int] = Counter()
    for i in members:
        orgs.update(ctx.people[i].organizations)
    return not orgs or max(orgs.values()) <= cap


def exhaustive_best_group(
    G: nx.Graph,
    candidates: Iterable[Candidate],
    *,
    weights: GroupWeights | None = None,
    options: SearchOptions | None = None,
    strength: Strength = usable_strength,
) -> GroupScore | None:
    """The best feasible group by trying every subset (for tests on small inputs only).

    Raises
    ------
    GroupSearchError
        With more than 16 candidates.
    """
    options = options or SearchOptions()
    ctx = GroupContext(G, candidates, weights=weights, strength=strength)
    ids = sorted(ctx.people)
    if len(ids) > 16:
        raise GroupSearchError("Exhaustive search is for at most 16 candidates.")
    best: GroupScore | None = None
    for size in range(options.min_size, options.max_size + 1):
        for members in itertools.combinations(ids, size):
            if not ctx.feasible(members, max_per_organization=options.max_per_organization):
                continue
            if any(ex.blocks(members) for ex in options.exclusions):
                continue
            scored = ctx.score(members)
            if best is None or scored.score > best.score:
                best = scored
    return best


# ---------------------------------------------------------------------------------------------
# Explanations


def explain_group(
    group: GroupScore, people: Mapping[int, Candidate], *, cause_name: str = ""
) -> list[tuple[str, tuple[int, ...]]]:
    """Plain-language sentences about a scored group (computed with ``details=True``), naming
    its members and the facts behind the score. Each sentence comes with the ids of the people
    it names, so a reader can leave out sentences about someone who has left the group.

    Examples
    --------
    >>> from network_app.graph.paths import set_tie
    >>> G = nx.Graph()
    >>> set_tie(G, 1, 2, strength_one=4, strength_other=4, allow_one=True, allow_other=True)
    >>> set_tie(G, 2, 3, strength_one=4, strength_other=4, allow_one=True, allow_other=True)
    >>> ana = Candidate(1, "Ana", 5, organization_names=("Housing co-op",),
    ...                 offers=("a commercial kitchen",))
    >>> ben = Candidate(2, "Ben", 4, needs=("commercial kitchen",))
    >>> cy = Candidate(3, "Cy", 3)
    >>> ctx = GroupContext(G, [ana, ben, cy])
    >>> explain_group(ctx.score([1, 2, 3], details=True), ctx.people)[0]
    ('Ana (Housing co-op) offers a commercial kitchen that Ben needs.', (1, 2))
    """
    sentences: list[tuple[str, tuple[int, ...]]] = []

    def label(pid: int) -> str:
        person = people[pid]
        if person.organization_names:
            return f"{person.name} ({person.organization_names[0]})"
        return person.name

    for m in group.matches[:3]:
        sentences.append(
            (
                f"{label(m.giver)} offers {m.offer} that {people[m.taker].name} needs.",
                (m.giver, m.taker),
            )
        )
    members = [people[i] for i in group.members]
    hoods = Counter(p.neighbourhood for p in members if p.neighbourhood)
    if hoods:
        hood, n = hoods.most_common(1)[0]
        local = tuple(p.id for p in members if p.neighbourhood == hood)
        if n == len(members):
            sentences.append((f"All {n} are in {hood}.", ()))
        elif n >= 2:
            names = _join([people[i].name for i in local])
            sentences.append((f"{names} are in {hood}.", local))
    sectors = sorted({p.sector_label or p.sector for p in members if p.sector})
    if len(sectors) >= 2:
        sentences.append((f"They bring {len(sectors)} backgrounds: {', '.join(sectors)}.", ()))
    for a, b, s in group.direct_ties[:3]:
        sentences.append(
            (f"{people[a].name} and {people[b].name} already know each other ({s}/5).", (a, b))
        )
    for person, _via, other in group.two_hop[:3]:
        sentences.append(
            (
                f"{people[person].name} is one introduction away from {people[other].name}.",
                (person, other),
            )
        )
    if group.unique_reach:
        sentences.append(
            (f"Together they reach {group.unique_reach} people that only one of them knows.", ())
        )
    passion = sum(p.passion for p in members) / len(members)
    what = f" for {cause_name}" if cause_name else ""
    sentences.append((f"Average passion{what}: {passion:.1f}/5.", ()))
    return sentences


def _join(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
