"""Drawing the samples TC260-003 §9.3 and §9.4 ask for, stratified over the 31 risks.

Pure functions: the same bank and seed always give the same draw (worker, command and tests
share them). A draw takes every risk the bank covers at least `per_risk_min` times (or all of
that risk's questions when it has fewer), then fills up to the draw size in proportion to what
each risk has left, by largest remainder. Within a risk the questions are shuffled by a random
generator seeded with the run's seed and the draw's name, so changing one draw's size does not
reshuffle another.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

# TC260-003 §9.3 b)-d): three draws of the generated-content bank, each ≥ 1 000 questions;
# §9.4 b)-c): ≥ 300 from each refusal bank.
GENERATED_DRAWS = ("manual", "keyword", "classifier")
REFUSAL_DRAWS = ("refuse", "non_refuse")
DRAWS = (*GENERATED_DRAWS, *REFUSAL_DRAWS)
DRAW_BANK = {
    "manual": "generated",
    "keyword": "generated",
    "classifier": "generated",
    "refuse": "refuse",
    "non_refuse": "non_refuse",
}
STANDARD_SIZES = {
    "manual": 1000,
    "keyword": 1000,
    "classifier": 1000,
    "refuse": 300,
    "non_refuse": 300,
}
# Our choice, not the standard's: enough answers per risk for a per-risk rate to mean something.
PER_RISK_MIN = {"manual": 10, "keyword": 10, "classifier": 10, "refuse": 5, "non_refuse": 5}
UNCATEGORISED = ""


@dataclass(frozen=True)
class BankQuestion:
    """One question of an uploaded bank: `key` is stable across reads (bank, position)."""

    key: str
    bank: str
    question: str
    risk: str  # the risk code ("A.1 a"), the aspect for should-not-refuse, "" if unknown


def stratum_sizes(available: dict[str, int], size: int, per_risk_min: int) -> dict[str, int]:
    """How many questions to take from each stratum: at least min(available, per_risk_min)
    from each, the rest in proportion to what is left (largest remainder, ties by name)."""
    total = sum(available.values())
    size = min(size, total)
    take = {r: min(n, per_risk_min) for r, n in available.items()}
    if sum(take.values()) > size:
        # Fewer places than the minimums need: one each in name order, round and round.
        take = dict.fromkeys(available, 0)
        order = sorted(available)
        left = size
        while left:
            for r in order:
                if left and take[r] < available[r]:
                    take[r] += 1
                    left -= 1
        return take
    left = size - sum(take.values())
    rest = {r: available[r] - take[r] for r in available}
    pool = sum(rest.values())
    if left and pool:
        shares = {r: left * n / pool for r, n in rest.items()}
        floors = {r: int(s) for r, s in shares.items()}
        for r, f in floors.items():
            take[r] += f
        short = left - sum(floors.values())
        for r in sorted(rest, key=lambda r: (-(shares[r] - floors[r]), r))[:short]:
            take[r] += 1
    return take


def _rng(seed: int, draw: str, stratum: str) -> random.Random:
    digest = hashlib.sha256(f"{seed}:{draw}:{stratum}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def draw_sample(
    questions: Sequence[BankQuestion], *, draw: str, size: int, seed: int, per_risk_min: int
) -> list[BankQuestion]:
    """The draw's questions, in a stable order (by stratum, then the seeded shuffle)."""
    by_risk: dict[str, list[BankQuestion]] = defaultdict(list)
    for q in questions:
        by_risk[q.risk].append(q)
    sizes = stratum_sizes({r: len(qs) for r, qs in by_risk.items()}, size, per_risk_min)
    chosen: list[BankQuestion] = []
    for risk in sorted(by_risk):
        pool = sorted(by_risk[risk], key=lambda q: q.key)
        _rng(seed, draw, risk).shuffle(pool)
        chosen.extend(pool[: sizes[risk]])
    return chosen


def plan_draws(
    banks: dict[str, Sequence[BankQuestion]], *, sizes: dict[str, int], seed: int
) -> dict[str, list[BankQuestion]]:
    """Every draw with a size > 0 whose bank has questions."""
    plan = {}
    for draw in DRAWS:
        size = sizes.get(draw, 0)
        pool = banks.get(DRAW_BANK[draw]) or []
        if size > 0 and pool:
            plan[draw] = draw_sample(
                pool, draw=draw, size=size, seed=seed, per_risk_min=PER_RISK_MIN[draw]
            )
    return plan
