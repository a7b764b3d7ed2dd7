"""Local moves around the best candidate so far: the search's FLAML-style (CFO) half.

FLAML's CFO (Wu, Wang & Huang, "Frugal Optimization for Cost-related Hyperparameters",
AAAI 2021) starts every learner at its cheapest configuration and moves from the incumbent
(the best configuration so far) one step at a time, keeping a move's direction while it
improves and trying others when it does not; cost grows only where a costlier move scored
better. This is that idea on the catalog's discrete spaces (:func:`catalog.local_step`):

- a move changes one parameter of the incumbent by one notch, up or down;
- when the incumbent itself came from a move that beat its parent, the same move is tried
  again first (the direction that improved); otherwise the moves are tried in a seeded order;
- a configuration is proposed once.

Each family's defaults are its cheapest useful configuration (few trees or leaves, see
:mod:`.catalog`), so "more trees" or "more leaves" is a move that has to pay for itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.training.leaderboard import LeaderboardEntry


class LocalSearch:
    """Proposes the next untried neighbour of the incumbent (CFO's step, on a grid)."""

    def __init__(self, rng: Any) -> None:
        self._rng = rng
        self._moves: dict[int, tuple[int, str, int]] = {}  # trial -> (parent, param, direction)
        self._tried: set[tuple[str, str]] = set()

    def seen(self, family: str, params: dict[str, Any]) -> None:
        """A configuration proposed elsewhere (defaults, random points): not proposed again."""
        self._tried.add((family, repr(sorted(params.items()))))

    def propose(
        self, incumbent: LeaderboardEntry | None, trial: int
    ) -> tuple[str, dict[str, Any]] | None:
        """``(family, params)`` for ``trial``: a neighbour of ``incumbent`` (None: none left,
        or no incumbent yet)."""
        from engine.training.catalog import FAMILIES, local_step

        if incumbent is None or incumbent.family not in FAMILIES:
            return None
        item = FAMILIES[incumbent.family]
        names = [name for name in item.space if name in incumbent.params]
        moves = [(name, direction) for name in names for direction in (1, -1)]
        order = [moves[i] for i in self._rng.permutation(len(moves))]
        previous = self._moves.get(incumbent.trial)
        if previous is not None:  # it improved on its parent: keep going that way
            order.insert(0, previous[1:])
        for name, direction in order:
            moved = local_step(item, incumbent.params, name, direction)
            if moved is None:
                continue
            key = (item.key, repr(sorted(moved.items())))
            if key in self._tried:
                continue
            self._tried.add(key)
            self._moves[trial] = (incumbent.trial, name, direction)
            return item.key, moved
        return None
