"""The Lean sales vocabulary: the ten lead factors, profiles, segments and mix regions.

Plain data only: no scoring here (that is :mod:`leanxl.scoring` over :mod:`leanxl.kernels`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

DEFAULT_SCALE_MAX = 5


@dataclass(frozen=True, slots=True)
class Factor:
    """One of the seed's ten profile factors; 1 is always best."""

    key: str
    label: str
    best: str
    worst: str
    question: str


FACTORS: tuple[Factor, ...] = (
    Factor("buyer_maturity", "Buyer maturity", "ready to decide now", "far from a decision",
           "How close is the buyer to taking a decision?"),
    Factor("buyer_knowledge", "Buyer knowledge", "expert", "inexperienced",
           "How much does the buyer know about what they buy?"),
    Factor("buyer_influence", "Buyer influence", "decision maker / top executive",
           "agent with no authority", "Can our contact take the decision?"),
    Factor("company_size", "Company size", "large company", "small company",
           "Is this a big or a small company?"),
    Factor("product_complexity", "Product complexity", "standard product", "complex solution",
           "Are they asking for a simple product or a complicated solution?"),
    Factor("interest", "Level of interest", "frequent, prompt communication", "unresponsive",
           "Is their communication frequent, do they respond promptly?"),
    Factor("availability", "Availability", "easy to reach", "hard to reach",
           "Is the buyer easy to reach?"),
    Factor("price_sensitivity", "Price sensitivity", "price is not the issue",
           "highly price-sensitive", "To what degree is this client price-sensitive?"),
    Factor("competition", "Level of competition", "no competition", "heavy competition",
           "How likely are we to land the deal over our competitors?"),
    Factor("purchase_history", "Purchase history", "existing client, wins > losses", "never won",
           "How often did we win versus lose opportunities with this company?"),
)
FACTOR_KEYS: tuple[str, ...] = tuple(f.key for f in FACTORS)
N_FACTORS = len(FACTORS)


_SEPARATORS = re.compile(r"[\s_\-]+")


@lru_cache(maxsize=4096)
def _fold(text: str) -> str:
    return _SEPARATORS.sub("", text).casefold()


def normalize_name(name: object) -> str:
    """Fold a column or header name for matching: case-, space- and underscore-insensitive.

    Cached: cell functions match the same few headers on every call.
    """
    return _fold(str(name))


@dataclass(frozen=True, slots=True)
class Profile:
    """An ideal-prospect profile: target scores (1..S, None = any) and what sales knows of it."""

    name: str
    targets: tuple[int | None, ...]
    description: str = ""
    pains: str = ""
    awareness: str = ""
    assumptions: str = ""


SEGMENTS: dict[str, str] = {
    "S1": "Low price / low complexity",
    "S2": "Low price / high complexity",
    "S3": "High price / low complexity",
    "S4": "High price / high complexity",
}

# (in_sales_plan, reached_by_marketing, in_target_market) -> region of the seed's mix diagram.
MIX_LABELS: dict[tuple[bool, bool, bool], str] = {
    (True, True, True): "Sweet spot",
    (True, True, False): "Ineffective strategy",
    (False, True, True): "Uncaptured lead",
    (True, False, True): "Lead deficit",
    (False, False, True): "Untapped market",
    (True, False, False): "Sales off target",
    (False, True, False): "Marketing off target",
    (False, False, False): "Outside",
}
