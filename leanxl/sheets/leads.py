"""The Leads sheet: column layout, the computed columns, and the sheet XML written directly.

100k leads x ~30 columns is 3M cells: openpyxl needs tens of seconds for that, so the rows are
streamed as sheet XML (one vectorised pass per column, formulas and cached values together)
and spliced into the package that openpyxl wrote for everything else.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain, repeat
from typing import Any

import numpy as np
import pandas as pd

from leanxl.domain import FACTOR_KEYS
from leanxl.errors import CellError
from leanxl.rules.deviations import follows_decisions
from leanxl.sources import ALWAYS, FLAG_KEYS
from leanxl.xlsx.cached_values import escape_xml_text
from leanxl.xlsx.refs import column_letter

#: Excel's sheet holds 1,048,576 rows; one is the header.
MAX_LEADS = 1_048_575

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


# --------------------------------------------------------------------------- sheet XML
_EPOCH = np.datetime64("1899-12-30", "ns")


def _escape_series(values: pd.Series) -> list[str | None]:
    """Cell texts, XML-escaped (None for blanks).

    Most CRM text needs no escaping: one search over the joined column decides, so the
    common case never loops in Python.
    """
    arr = values.to_numpy(dtype=object, na_value=None).copy()
    mask = pd.isna(arr)
    arr[mask] = None
    present = arr[~mask]
    if all(type(v) is str for v in present) and not _NEEDS_ESCAPE.search("".join(present)):
        return list(arr.tolist())
    out: list[str | None] = []
    for v in arr.tolist():
        if v is None:
            out.append(None)
            continue
        text = v if type(v) is str else str(v)
        if _NEEDS_ESCAPE.search(text):
            text = escape_xml_text(text)
        out.append(text)
    return out


def _value_parts(value: Any) -> tuple[str, str]:
    """(t attribute, <v> text) of a computed cached value."""
    if isinstance(value, CellError):
        return ' t="e"', value.code
    if value is None:
        return ' t="str"', ""
    if isinstance(value, bool | np.bool_):
        return ' t="b"', "1" if value else "0"
    if isinstance(value, str):
        return ' t="str"', escape_xml_text(value)
    f = float(value)
    if f != f:
        return ' t="str"', ""
    return "", repr(f)


def _number_texts(nums: np.ndarray) -> list[str | None]:
    """Numbers as XML text in one vectorised pass (None for NaN); integers without ``.0``."""
    import pyarrow as pa

    texts = pa.array(nums, from_pandas=True).cast(pa.string()).to_pylist()
    return texts


def _formula_cells(letter: str, s: str, values: Any, rows: range, shared: str,
                   si: int, last_row: int, plain: str, numeric: bool) -> list[str]:
    """Computed cells: the formula and each row's cached value.

    Text results use one shared formula anchored on row 2 (how Excel itself stores a filled-
    down column; a third of the size). Number results get one formula text per cell:
    LibreOffice recomputes the numeric results of shared formulas on load, which would show
    #NAME? for LEANXL_* there, while it keeps their text results.
    """
    objs = list(values)
    if numeric:
        floats = np.array([v if type(v) is float else np.nan for v in objs], dtype=float)
        texts = _number_texts(floats)
        out = []
        for r, v, o in zip(rows, texts, objs, strict=True):
            f = plain.format(r=r)
            if v is not None:
                out.append(f'<c r="{letter}{r}"{s}><f>{f}</f><v>{v}</v></c>')
            else:
                t, text = _value_parts(o)
                out.append(f'<c r="{letter}{r}"{s}{t}><f>{f}</f><v>{text}</v></c>')
        return out
    anchor = f'<f t="shared" ref="{letter}2:{letter}{last_row}" si="{si}">{shared}</f>'
    child = f'<f t="shared" si="{si}"/>'
    search = _NEEDS_ESCAPE.search
    out = [f'<c r="{letter}{r}"{s} t="str">{child}<v>{v}</v></c>'
           if type(v) is str and v and not search(v) else _other_cell(letter, r, s, child, v)
           for r, v in zip(rows, objs, strict=True)]
    if rows.start == 2 and out:
        out[0] = out[0].replace(child, anchor, 1)
    return out


def _other_cell(letter: str, r: int, s: str, child: str, v: Any) -> str:
    t, text = _value_parts(v)
    return f'<c r="{letter}{r}"{s}{t}>{child}<v>{text}</v></c>'


_NEEDS_ESCAPE = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _column_cells(letter: str, style: str, kind: str, values: Any, rows: range) -> list[str]:
    s = f' s="{style}"' if style else ""
    if kind in ("number", "date"):
        if kind == "date":
            stamps = pd.to_datetime(pd.Series(values), errors="coerce").to_numpy("datetime64[ns]")
            nums = (stamps - _EPOCH) / np.timedelta64(1, "D")
        else:
            nums = pd.to_numeric(values, errors="coerce").to_numpy(float)
        infinite = np.isinf(nums)
        texts = _number_texts(np.where(infinite, np.nan, nums))
        cells = [f'<c r="{letter}{r}"{s}/>' if v is None else
                 f'<c r="{letter}{r}"{s}><v>{v}</v></c>' for r, v in zip(rows, texts, strict=True)]
        for i in np.flatnonzero(infinite):  # XML numbers are finite: never <v>inf</v>
            cells[i] = f'<c r="{letter}{rows[i]}"{s} t="e"><v>#NUM!</v></c>'
        return cells
    if kind == "mixed":  # a user's column: each cell keeps its own type
        out = []
        for r, v in zip(rows, list(values), strict=True):
            if v is None or (isinstance(v, float) and v != v):
                out.append(f'<c r="{letter}{r}"{s}/>')
            elif isinstance(v, bool):
                out.append(f'<c r="{letter}{r}"{s} t="b"><v>{int(v)}</v></c>')
            elif isinstance(v, int | float) and not np.isfinite(v):
                out.append(f'<c r="{letter}{r}"{s} t="e"><v>#NUM!</v></c>')
            elif isinstance(v, int | float):
                out.append(f'<c r="{letter}{r}"{s}><v>{v!r}</v></c>')
            elif isinstance(v, dt.datetime | dt.date):
                serial = (pd.Timestamp(v) - pd.Timestamp("1899-12-30")) / pd.Timedelta(days=1)
                out.append(f'<c r="{letter}{r}"{s}><v>{serial!r}</v></c>')
            else:
                t = escape_xml_text(str(v))
                out.append(f'<c r="{letter}{r}"{s} t="inlineStr"><is><t xml:space="preserve">'
                           f"{t}</t></is></c>")
        return out
    if kind == "bool":
        flags = pd.Series(values).astype("boolean")
        return [f'<c r="{letter}{r}"{s}/>' if v is pd.NA else
                f'<c r="{letter}{r}"{s} t="b"><v>{int(v)}</v></c>'
                for r, v in zip(rows, flags.tolist(), strict=True)]
    texts = _escape_series(pd.Series(values, dtype=object))
    # Inline strings: text stays text (a leading = + - @ never becomes a formula).
    return [f'<c r="{letter}{r}"{s}/>' if v is None or v == "" else
            f'<c r="{letter}{r}"{s} t="inlineStr"><is><t>{v}</t></is></c>'
            if v[0] != " " and v[-1] != " " else
            f'<c r="{letter}{r}"{s} t="inlineStr"><is><t xml:space="preserve">{v}</t></is></c>'
            for r, v in zip(rows, texts, strict=True)]


def rows_xml(frame: pd.DataFrame, layout: Layout, scored: Scored, styles: dict[str, str],
             *, chunk: int = 20000, progress: Any = None) -> Iterator[bytes]:
    """The ``<row>`` elements of the data rows (row 2 on), in chunks of ``chunk`` leads."""
    f = formulas(layout, scored.output)
    n = len(frame)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        rows = range(start + 2, stop + 2)
        columns = []
        si = 0
        for j, (key, kind) in enumerate(zip(layout.keys, layout.kinds, strict=True)):
            letter = column_letter(j + 1)
            style = styles.get(letter, "")
            if kind == "formula":
                plain = (f[key].replace("&", "&amp;").replace("<", "&lt;")
                         .replace(">", "&gt;"))
                columns.append(_formula_cells(letter, f' s="{style}"' if style else "",
                                              scored.values[key][start:stop], rows,
                                              plain.format(r=2), si, n + 1, plain,
                                              key in NUMERIC_COMPUTED))
                si += 1
                continue
            if kind == "user formula":
                text = (layout.user_formulas[key].removeprefix("=").replace("&", "&amp;")
                        .replace("<", "&lt;").replace(">", "&gt;"))
                s_attr = f' s="{style}"' if style else ""
                # No cached value: leanxl cannot compute an arbitrary formula; Excel, or
                # `leanxl recalc`, fills it in.
                cells = [f'<c r="{letter}{r}"{s_attr}><f t="shared" si="{si}"/></c>'
                         for r in rows]
                if start == 0 and cells:
                    cells[0] = (f'<c r="{letter}2"{s_attr}><f t="shared" ref="{letter}2:'
                                f'{letter}{n + 1}" si="{si}">{text}</f></c>')
                columns.append(cells)
                si += 1
                continue
            if key in frame.columns:
                values = frame[key].iloc[start:stop]
            else:
                values = pd.Series([None] * (stop - start), dtype=object)
            columns.append(_column_cells(letter, style, kind, values, rows))

        opens = [f'<row r="{r}">' for r in rows]
        # One join over every fragment (row by row) instead of one join per row.
        body = "".join(chain.from_iterable(zip(opens, *columns, repeat("</row>"),
                                               strict=False)))
        yield body.encode("utf-8")
        if progress is not None:
            progress.update(stop - start)
