"""DMN 1.3 hit policies: names and abbreviations, and what each returns for a set of matches.

Semantics (DMN 1.3, 8.2.11), with leanxl's choices where the standard leaves room:

========== ==========================================================================
UNIQUE     at most one rule may match; several matches -> ``#VALUE!`` naming the rules
ANY        several may match if their outputs agree; disagreement -> ``#VALUE!``
PRIORITY   the match whose outputs come first in the outputs' ``{...}`` lists (first
           output first, then the next); equal priority -> the earlier rule
FIRST      the first match in rule order
RULE ORDER all matches' outputs as a list, in rule order
OUTPUT ORD all matches' outputs as a list, by decreasing output priority (stable)
COLLECT    all matches' outputs as a list (leanxl: in rule order)
C+ C< C>   sum / minimum / maximum of the matches' (non-blank, numeric) outputs
C#         number of matching rules; 0 when none match
========== ==========================================================================

No match gives ``#N/A`` for every policy except ``C#`` (a count of 0): DMN's aggregations
over an empty list are null, and a spreadsheet shows null-from-no-rule as ``#N/A``.
"""

from __future__ import annotations

import difflib
import enum
import re

from leanxl.rules.cells import CellSyntaxError
from leanxl.values import is_blank


class HitPolicy(enum.Enum):
    UNIQUE = "UNIQUE"
    ANY = "ANY"
    PRIORITY = "PRIORITY"
    FIRST = "FIRST"
    RULE_ORDER = "RULE ORDER"
    OUTPUT_ORDER = "OUTPUT ORDER"
    COLLECT = "COLLECT"

    @property
    def single_hit(self) -> bool:
        return self in (HitPolicy.UNIQUE, HitPolicy.ANY, HitPolicy.PRIORITY, HitPolicy.FIRST)


class Aggregator(enum.Enum):
    SUM = "+"
    MIN = "<"
    MAX = ">"
    COUNT = "#"


_ABBREV = {
    "U": HitPolicy.UNIQUE, "A": HitPolicy.ANY, "P": HitPolicy.PRIORITY, "F": HitPolicy.FIRST,
    "R": HitPolicy.RULE_ORDER, "O": HitPolicy.OUTPUT_ORDER, "C": HitPolicy.COLLECT,
}
_AGG_WORDS = {"SUM": Aggregator.SUM, "MIN": Aggregator.MIN, "MAX": Aggregator.MAX,
              "COUNT": Aggregator.COUNT, "+": Aggregator.SUM, "<": Aggregator.MIN,
              ">": Aggregator.MAX, "#": Aggregator.COUNT}
KNOWN_NAMES = [p.value for p in HitPolicy] + list(_ABBREV) + ["C+", "C<", "C>", "C#"]


def parse_hit_policy(cell: object) -> tuple[HitPolicy, Aggregator | None]:
    """Read a hit-policy cell: ``FIRST``, ``F``, ``C+``, ``COLLECT SUM``, blank (= UNIQUE)...

    Raises
    ------
    CellSyntaxError
        For an unknown name, with the closest known name as suggestion.
    """
    if is_blank(cell):
        return HitPolicy.UNIQUE, None
    text = re.sub(r"[\s_]+", " ", str(cell).strip().upper())
    if text in _ABBREV:
        return _ABBREV[text], None
    for policy in HitPolicy:
        if text == policy.value or text == policy.value.replace(" ", ""):
            return policy, None
    m = re.match(r"^(C|COLLECT)\s*(\+|<|>|#|SUM|MIN|MAX|COUNT)$", text)
    if m:
        return HitPolicy.COLLECT, _AGG_WORDS[m.group(2)]
    close = difflib.get_close_matches(text, KNOWN_NAMES, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]}?" if close else (
        "use UNIQUE, FIRST, PRIORITY, ANY, COLLECT (C+ C< C> C#), RULE ORDER or OUTPUT ORDER")
    raise CellSyntaxError(f"unknown hit policy '{cell}'", hint)


def policy_label(policy: HitPolicy, aggregator: Aggregator | None) -> str:
    """``FIRST``, ``COLLECT``, ``C+``..."""
    if aggregator is not None:
        return f"C{aggregator.value}"
    return policy.value
