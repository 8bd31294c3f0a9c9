"""The pure graph engine: consent-aware warm-introduction paths on networkx.

Nothing here imports Django or any Smallbatch app; the Django side builds the graph with
:func:`network_app.graph.paths.set_person` / :func:`set_tie` and calls :func:`best_paths`.
"""

from network_app.graph.paths import (
    MAX_HOPS,
    MAX_K,
    GraphError,
    InvalidSearch,
    NoPath,
    NotAccepting,
    Path,
    PersonState,
    TieState,
    UnknownPerson,
    best_paths,
    brute_force_paths,
    edge_cost,
    load_ties,
    path_likelihood,
    remove_person,
    remove_tie,
    set_person,
    set_tie,
    tie_state,
    usable_strength,
)

__all__ = [
    "MAX_HOPS",
    "MAX_K",
    "GraphError",
    "InvalidSearch",
    "NoPath",
    "NotAccepting",
    "Path",
    "PersonState",
    "TieState",
    "UnknownPerson",
    "best_paths",
    "brute_force_paths",
    "edge_cost",
    "load_ties",
    "path_likelihood",
    "remove_person",
    "remove_tie",
    "set_person",
    "set_tie",
    "tie_state",
    "usable_strength",
]
