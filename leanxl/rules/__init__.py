"""Decision tables: parse S-FEEL cells, validate, compile to kernel arrays, evaluate.

Python API::

    table = leanxl.rules.load(cells)              # 2-D list of cell values (one table)
    tables = leanxl.rules.load_sheet(ws)          # every DECISION block on a worksheet
    table.evaluate(leads)                         # DataFrame: one column per output + rules
    table.evaluate_rows({"buyer_maturity": [2]})  # fast path for a few leads: lists of lists
    table.check()                                 # overlaps, conflicts, gaps, unreachable
    table.self_test()                             # EXAMPLES rows that fail
    table.explain({"buyer_maturity": 2, ...})     # which rule fired and why
    leanxl.rules.audit(table, leads, "recorded_status")  # deviations per rule

``evaluate_rows`` is the path for cell functions (LEANXL_DECIDE / LEANXL_EXPLAIN): ``load``
caches parsing by content (:mod:`leanxl.rules.cache`, the one cache of tables) and each table
memoises its compiled form, so a call on one row costs microseconds and touches neither numba
nor pandas.
"""

from leanxl.rules.audit import AuditReport, audit
from leanxl.rules.cache import load
from leanxl.rules.check import Finding
from leanxl.rules.policies import Aggregator, HitPolicy
from leanxl.rules.table import DecisionTable, Example, Rule, load_sheet

__all__ = ["AuditReport", "Aggregator", "DecisionTable", "Example", "Finding", "HitPolicy",
           "Rule", "audit", "load", "load_sheet"]
