"""Evidence from won and lost leads, and movement between refreshes (pure pandas / numpy).

Python API, each returning DataFrames::

    leanxl.evidence.factor_evidence(leads, scale_max=5)   # win rate per factor and score
    leanxl.evidence.suggest_weights(leads, weights)       # weights >= 0 fitted, CV ROC AUC
    leanxl.evidence.movement(old_snap, new_snap)          # what moved between two snapshots
    leanxl.rules.deviation_cost(report, recorded, stage)  # followed the rules vs deviated

``leads`` is the scored leads frame (the factor keys, ``stage``; for movement ``lead_id`` and the
computed columns ``fit, best_profile, segment, mix, decision``). Nothing here changes a workbook:
the sheets (``leanxl.sheets.evidence``, ``leanxl.sheets.changes``) show these numbers.
"""

from leanxl.evidence.factors import factor_evidence, win_rate_table
from leanxl.evidence.movement import Movement, movement, snapshot
from leanxl.evidence.weights import WeightSuggestion, roc_auc, suggest_weights

__all__ = ["Movement", "WeightSuggestion", "factor_evidence", "movement", "roc_auc",
           "snapshot", "suggest_weights", "win_rate_table"]
