"""Decision tables: parse S-FEEL cells, validate, compile to kernel arrays, evaluate.

Python API::

    table = leanxl.rules.load(cells)              # 2-D list of cell values (one table)
    tables = leanxl.rules.load_sheet(ws)          # every DECISION block on a worksheet
    table.evaluate(leads)                         # DataFrame: one column per output + rules
    table.evaluate_rows({"buyer_maturity": [2]})  # fast path for a few leads: lists of lists
    leanxl.rules.check(table)                     # overlaps, conflicts, gaps, unreachable
    leanxl.rules.self_test(table)                 # EXAMPLES rows that fail
    leanxl.rules.explain(table, {"buyer_maturity": 2, ...})  # which rule fired and why
    leanxl.rules.audit(table, leads, "recorded_status")      # deviations per rule
    leanxl.rules.deviation_cost(report, recorded, stage)     # win rate: followed vs deviated

``evaluate_rows`` is the path for cell functions (LEANXL_DECIDE / LEANXL_EXPLAIN): ``load``
caches parsing by content and kind (:mod:`leanxl.rules.cache`, the one cache of tables) and
each table memoises its compiled form, so a call on one row costs microseconds and touches
neither numba nor pandas.

Modules, each importing only those above it: ``cells`` (S-FEEL cell language), ``policies``
(hit policies), ``compile`` (bit-set tables and evaluation), ``table`` (the model and its
builder), ``loader`` (cells, CSV and worksheets -> tables), ``cache`` (``load``: one table per
content), then the functions over a table: ``soundness`` (check, self_test), ``explanation``
(explain), ``deviations`` (audit), ``deviation_evidence`` (won: followed vs deviated) and
``reference`` (a plain-Python interpreter used as the tests' oracle).
"""

from leanxl.rules.cache import load
from leanxl.rules.deviation_evidence import deviation_cost
from leanxl.rules.deviations import AuditReport, audit
from leanxl.rules.explanation import explain
from leanxl.rules.loader import load_sheet
from leanxl.rules.policies import Aggregator, HitPolicy
from leanxl.rules.soundness import Finding, check, self_test
from leanxl.rules.table import DecisionTable, Example, Rule

__all__ = ["AuditReport", "Aggregator", "DecisionTable", "Example", "Finding", "HitPolicy",
           "Rule", "audit", "check", "deviation_cost", "explain", "load", "load_sheet", "self_test"]
