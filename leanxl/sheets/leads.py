"""The Leads sheet: column layout, the computed columns, and the sheet XML written directly.

100k leads x ~30 columns is 3M cells: openpyxl needs tens of seconds for that, so the rows are
streamed as sheet XML (:mod:`leanxl.sheets.leads_xml`, a column at a time, formulas and cached
values together) and spliced into the package that openpyxl wrote for everything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from leanxl.domain import FACTOR_KEYS
from leanxl.errors import CellError
from leanxl.rules.deviations import follows_decisions
from leanxl.sources import ALWAYS, FLAG_KEYS
from leanxl.xlsx.refs import MAX_ROWS, column_letter

#: Excel's sheet holds 1,048,576 rows; one is the header.
MAX_LEADS = MAX_ROWS - 1

# key, header, number format
COMPUTED = (
    ("fit", "Fit %", '0.0" %"'),
    ("best_profile", "Best profile", None),
    ("match", "Match %", '0.0" %"'),
    ("segment", "Segment", None),
    ("mix", "Mix region", None),
    ("decision", "Decision", None),
    ("follows", "Follows rules", None),
)
COMPUTED_HEADERS = {key: head for key, head, _ in COMPUTED}
NUMERIC_COMPUTED = ("fit", "match")

# Defined name → the Leads column it covers (data rows only).
LEAD_NAMES = {
    "LeadFit": "fit", "LeadBestProfile": "best_profile", "LeadMatch": "match",
    "LeadSegment": "segment", "LeadMix": "mix", "LeadDecision": "decision",
    "LeadFollows": "follows", "LeadPrice": "price", "LeadStage": "stage",
    "LeadRevenue": "revenue", "LeadCreated": "created", "LeadOwner": "owner",
    "LeadReached": "reached_by_marketing", "LeadPlan": "in_sales_plan",
    "LeadMarket": "in_target_market",
}


@dataclass
class Layout:
    """Where each Leads column goes: header text and kind, in sheet order."""

    headers: list[str]
    keys: list[str]  # canonical key (source column name for unknown columns)
    kinds: list[str]  # "text" | "number" | "bool" | "date" | "formula" | "user formula"
    formats: dict[str, str | None] = field(default_factory=dict)
    user_formulas: dict[str, str] = field(default_factory=dict)  # key -> row-2 formula text

    @property
    def leanxl_headers(self) -> list[str]:
        """The headers leanxl writes (not the user's own columns)."""
        return [h for h, k in zip(self.headers, self.keys, strict=True)
                if not k.startswith(USER_PREFIX)]

    def col(self, key: str) -> str:
        return column_letter(self.keys.index(key) + 1)

    @property
    def width(self) -> int:
        return len(self.keys)


USER_PREFIX = "user:"


def add_user_columns(layout: Layout, frame: pd.DataFrame, formulas: dict[str, str],
                     values: dict[str, list[Any]]) -> pd.DataFrame:
    """Append the user's own Leads columns after leanxl's: a formula column is filled down
    (as one shared formula, which Excel shifts row by row); a value column gets each row's
    value (aligned to the leads by :mod:`leanxl.sheets.user_columns`). Returns the frame with
    the value columns added.
    """
    extra = {}
    for head, text in formulas.items():
        key = USER_PREFIX + head
        layout.keys.append(key)
        layout.headers.append(head)
        layout.kinds.append("user formula")
        layout.user_formulas[key] = text
    for head, by_row in values.items():
        key = USER_PREFIX + head
        extra[key] = pd.Series(by_row, dtype=object, index=frame.index)
        layout.keys.append(key)
        layout.headers.append(head)
        layout.kinds.append("mixed")
    return frame.assign(**extra) if extra else frame


def make_layout(frame: pd.DataFrame) -> Layout:
    """Source columns in source order (factors as one block), then leanxl's computed ones."""
    keys: list[str] = []
    for col in frame.columns:
        if col in FACTOR_KEYS:
            if FACTOR_KEYS[0] not in keys:
                keys.extend(FACTOR_KEYS)
            continue
        keys.append(str(col))
    for key in ALWAYS:
        if key not in keys:
            keys.append(key)
    kinds = [_kind(frame, k) for k in keys]
    headers = list(keys)
    for key, head, _fmt in COMPUTED:
        keys.append(key)
        headers.append(head)
        kinds.append("formula")
    formats: dict[str, str | None] = {"created": "yyyy-mm-dd", "price": "#,##0", "revenue": "#,##0",
               **{k: f for k, _h, f in COMPUTED},
               # Excel shows TRUE/FALSE anyway; LibreOffice needs the format to.
               **{k: '"TRUE";"TRUE";"FALSE"' for k in FLAG_KEYS}}
    for k, kind in zip(keys, kinds, strict=True):
        if kind == "date":
            formats.setdefault(k, "yyyy-mm-dd")
    return Layout(headers, keys, kinds, formats)


def _kind(frame: pd.DataFrame, key: str) -> str:
    if key in FACTOR_KEYS or key in ("price", "revenue", "complexity"):
        return "number"
    if key in FLAG_KEYS:
        return "bool"
    if key == "created":
        return "date"
    if key not in frame.columns:
        return "text"
    s = frame[key]
    if pd.api.types.is_bool_dtype(s):
        return "bool"
    if pd.api.types.is_numeric_dtype(s):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "date"
    return "text"


# --------------------------------------------------------------------------- computing
@dataclass
class Scored:
    """The computed columns: values (object arrays; None = blank) with their formulas."""

    values: dict[str, np.ndarray]
    output: str  # the decision table output the Decision column shows


def score_leads(frame: pd.DataFrame, layout: Layout, data: Any) -> Scored:
    """Compute every computed column with the vectorised scoring API and the rules engine."""
    from leanxl import scoring

    st = data.settings
    n = len(frame)
    x = frame[list(FACTOR_KEYS)].to_numpy(dtype=float) if n else np.empty((0, 10))
    prof = data.profiles
    p = prof[list(FACTOR_KEYS)].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    names = [str(v) for v in prof["profile"]]
    out: dict[str, np.ndarray] = {}

    fit, err = scoring.fit(x, st.weights, st.scale_max, return_errors=True)
    out["fit"] = _with_errors(fit, err)
    if len(names):
        # Best profile and its match in one pass: the values of LEANXL_BESTPROFILE and of
        # LEANXL_BESTMATCH (ties go to the first profile).
        index, best_m, err_b = scoring.best_match(x, p, st.weights, st.scale_max,
                                                  return_errors=True)
        lookup = np.array([*names, None], dtype=object)
        out["best_profile"] = _with_errors(lookup[np.where(index >= 0, index, len(names))], err_b)
        out["match"] = _with_errors(best_m, err_b)
    else:
        none = CellError("#N/A", "no profiles on the Profiles sheet")
        out["best_profile"] = np.full(n, none, dtype=object)
        out["match"] = np.full(n, none, dtype=object)

    complexity = pd.to_numeric(frame["complexity"], errors="coerce")
    complexity = complexity.fillna(pd.to_numeric(frame["product_complexity"], errors="coerce"))
    seg, err_s = scoring.segment(pd.to_numeric(frame["price"], errors="coerce").to_numpy(float),
                                 complexity.to_numpy(float), st.price_cut, st.complexity_cut,
                                 return_errors=True)
    out["segment"] = _with_errors(np.asarray(seg, dtype=object), err_s)
    mix, err_x = scoring.mix(*(frame[k].to_numpy(bool) for k in FLAG_KEYS), return_errors=True)
    out["mix"] = _with_errors(np.asarray(mix, dtype=object), err_x)

    decision, output = _decide(frame, layout, out, data)
    out["decision"] = decision
    rec = frame["recorded_status"]
    follows = np.empty(n, dtype=object)
    decided = decision.tolist()
    for i, (verdict, d) in enumerate(zip(follows_decisions(rec.tolist(), decided), decided,
                                         strict=True)):
        if verdict is None:
            follows[i] = ""
        elif isinstance(d, CellError):
            follows[i] = d
        else:
            follows[i] = "Yes" if verdict else "No"
    out["follows"] = follows
    return Scored(out, output)


def _with_errors(values: Any, errors: dict[int, CellError]) -> np.ndarray:
    arr = np.asarray(values, dtype=object).copy()
    for i, e in errors.items():
        arr[i] = e
    for k in np.flatnonzero(pd.isna(pd.Series(arr)).to_numpy()):
        arr[k] = None
    return arr


def _decide(frame: pd.DataFrame, layout: Layout, computed: dict[str, np.ndarray],
            data: Any) -> tuple[np.ndarray, str]:
    """Run the Rules sheet's first decision table over the leads, as the sheet headers name them."""
    from leanxl.rules import load
    from leanxl.sheets.rules_sheet import split_rules

    n = len(frame)
    block, _examples = split_rules(data.rules)
    if not block:
        return np.full(n, None, dtype=object), ""
    table = load(block, name="Rules!A4")
    inputs = {}
    for key, head in zip(layout.keys, layout.headers, strict=True):
        if key == "decision":
            break
        # Native dtypes (float factor columns) let the rules engine take its vectorised path.
        inputs[head] = computed[key] if key in computed else frame[key].to_numpy()
    result = table.evaluate(pd.DataFrame(inputs))
    output = next(c for c in result.columns if c != "rules")
    return result[output].to_numpy(object), str(output)


def formulas(layout: Layout, output: str) -> dict[str, str]:
    """The formula of each computed column, with ``{r}`` for the row number."""
    f0, f9 = layout.col(FACTOR_KEYS[0]), layout.col(FACTOR_KEYS[-1])
    factors = f"{f0}{{r}}:{f9}{{r}}"
    last_in = column_letter(layout.keys.index("decision"))
    out = f',"{output}"' if output else ""
    return {
        "fit": f"LEANXL_FIT({factors},Weights,ScaleMax)",
        "best_profile": f"LEANXL_BESTPROFILE({factors},ProfileTargets,ProfileNames,Weights,"
                        "ScaleMax)",
        "match": f"LEANXL_BESTMATCH({factors},ProfileTargets,Weights,ScaleMax)",
        "segment": f"LEANXL_SEGMENT({layout.col('price')}{{r}},{layout.col('complexity')}{{r}},"
                   "PriceCut,ComplexityCut)",
        "mix": "LEANXL_MIX({a}{{r}},{b}{{r}},{c}{{r}})".format(
            a=layout.col("in_sales_plan"), b=layout.col("reached_by_marketing"),
            c=layout.col("in_target_market")),
        "decision": f"LEANXL_DECIDE(QualifyTable,$A{{r}}:${last_in}{{r}},$A$1:${last_in}$1{out})",
        "follows": 'IF({rec}{{r}}="","",IF({rec}{{r}}={dec}{{r}},"Yes","No"))'.format(
            rec=layout.col("recorded_status"), dec=layout.col("decision")),
    }
