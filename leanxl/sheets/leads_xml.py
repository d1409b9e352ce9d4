"""The Leads data rows as sheet XML, built a column at a time in Arrow.

A full sheet is 1,048,575 leads x ~30 columns = 30M cells: one Python string per cell costs
seconds per million leads.  Each column's cells are built instead as one Arrow string array
(Arrow's C++ kernels concatenate, test and cast whole columns), a chunk's rows are joined
element-wise across the columns, and the chunk's bytes are taken straight out of the
resulting array's buffer.  Python touches single values only where a cell is unusual: error
values and blanks among computed results, text that needs XML escaping, the user's own value
columns.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from leanxl.errors import CellError
from leanxl.sheets.leads import NUMERIC_COMPUTED, Layout, Scored, formulas
from leanxl.xlsx.cached_values import escape_xml_text
from leanxl.xlsx.refs import column_letter
from leanxl.xlsx.text_bytes import ESCAPE_BYTES, surely_without

_EPOCH = np.datetime64("1899-12-30", "ns")
_NEEDS_ESCAPE = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# The same class in RE2's syntax, for Arrow (lone surrogates cannot be Arrow strings at all).
_NEEDS_ESCAPE_RE2 = r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f\x{FFFE}\x{FFFF}]"
_EMPTY = "/>"  # what follows <c r=".." s=".."> for a blank cell

#: A column's cells as one array, or as the pieces of every cell: constants (the same in each
#: cell) and arrays, joined row-wise with the rest of the row in one pass.
Parts: TypeAlias = "pa.Array | list[Any]"


def _escaped(values: pd.Series) -> pa.Array:
    """Cell texts, XML-escaped, as Arrow strings (null for blanks and empty texts).

    Most CRM text needs no escaping: one look at the column's UTF-8 bytes decides, so the
    common case never loops in Python.
    """
    try:  # refuses a cell that is not text (or not encodable: a lone surrogate)
        # Nulls: None, NaN and pd.NA, what pd.isna finds among texts (anything else fails).
        texts = pa.array(values.to_numpy(), type=pa.string(), from_pandas=True)
        clean = surely_without(texts, ESCAPE_BYTES) or \
            not pc.any(pc.match_substring_regex(texts, _NEEDS_ESCAPE_RE2)).as_py()
    except (pa.ArrowException, UnicodeError):
        clean = False
    if not clean:
        arr = values.to_numpy(dtype=object, na_value=None).copy()
        arr[pd.isna(arr)] = None
        arr = np.array([None if v is None else
                        escape_xml_text(t) if _NEEDS_ESCAPE.search(t := str(v)) else t
                        for v in arr.tolist()], dtype=object)
        texts = pa.array(arr, type=pa.string(), from_pandas=True)
    return pc.if_else(pc.equal(texts, ""), pa.scalar(None, pa.string()), texts)


_SMALL = 1024
_SMALL_TEXTS = pa.array([str(i) for i in range(_SMALL)], type=pa.string())


def _number_texts(nums: np.ndarray) -> pa.Array:
    """Numbers as XML text (null for NaN); integers without ``.0``; shortest round trip."""
    known = ~np.isnan(nums)
    whole = np.where(known, nums, 0)
    # Factor scores, prices, day serials: whole numbers print faster as integers (same text;
    # -0.0 and magnitudes past 2**53 keep the float path).
    if (np.abs(whole) < 2.0**53).all() and (whole == np.floor(whole)).all() \
            and not np.signbit(whole[whole == 0]).any():
        ints = whole.astype(np.int64)
        if len(ints) and ints.min() >= 0 and ints.max() < _SMALL:  # scores 1..5: a lookup
            return _SMALL_TEXTS.take(pa.array(ints, mask=~known))
        return pa.array(ints, mask=~known).cast(pa.string())
    return pa.array(nums, from_pandas=True).cast(pa.string())


def _join(*parts: Any) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


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


def _patched(cells: pa.Array, where: np.ndarray, texts: list[str]) -> pa.Array:
    """``cells`` with the cells at ``where`` (a boolean mask) replaced by ``texts``."""
    if not len(texts):
        return cells
    return pc.replace_with_mask(cells, pa.array(where), pa.array(texts, type=pa.string()))


def _formula_cells(values: np.ndarray, rs: pa.Array, plain: str, shared: str, si: int,
                   last_row: int, letter: str, first: bool, numeric: bool) -> Parts:
    """Computed cells after ``<c r=".." s=".."``: the formula and each row's cached value
    (one array, or the pieces of each cell when every cell is a plain number or text).

    Text results use one shared formula anchored on row 2 (how Excel itself stores a filled-
    down column; a third of the size). Number results get one formula text per cell:
    LibreOffice recomputes the numeric results of shared formulas on load, which would show
    #NAME? for LEANXL_* there, while it keeps their text results.
    """
    objs = values.tolist()
    if numeric:
        plain_float = np.array([type(v) is float for v in objs], dtype=bool)
        floats = np.where(plain_float, values, np.nan).astype(float)
        texts = _number_texts(floats)
        pieces = plain.split("{r}")
        f_parts: Parts = [x for p in pieces[:-1] for x in (p, rs)] + [pieces[-1]]
        odd = ~(plain_float & pc.is_valid(texts).to_numpy(zero_copy_only=False))
        odd_idx = np.flatnonzero(odd)
        if not len(odd_idx):  # every cell a plain number: no t attribute
            return ["><f>", *f_parts, "</f><v>", texts, "</v></c>"]
        f_text = _join(*f_parts)
        t_attr = _patched(pa.array(np.full(len(objs), "", dtype=object), pa.string()), odd,
                          [_value_parts(objs[i])[0] for i in odd_idx])
        v_text = _patched(pc.fill_null(texts, ""), odd,
                          [_value_parts(objs[i])[1] for i in odd_idx])
        return _join(t_attr, "><f>", f_text, "</f><v>", v_text, "</v></c>")
    child = f'<f t="shared" si="{si}"/>'
    plain_text = np.array([type(v) is str for v in objs], dtype=bool) & (values != "")
    strs = values[plain_text].tolist()
    if _NEEDS_ESCAPE.search("".join(strs)):  # rare: judge each text on its own
        plain_text[plain_text] = [not _NEEDS_ESCAPE.search(v) for v in strs]
    texts = pa.array(np.where(plain_text, values, np.array(None)), type=pa.string(),
                     from_pandas=True)
    odd = ~plain_text
    if not (first and len(objs)) and not odd.any():  # every cell a plain text
        return [f' t="str">{child}<v>', texts, "</v></c>"]
    cells = _join(f' t="str">{child}<v>', pc.fill_null(texts, ""), "</v></c>")
    cells = _patched(cells, odd, [_other_cell(child, objs[i]) for i in np.flatnonzero(odd)])
    if first and len(objs):
        anchor = f'<f t="shared" ref="{letter}2:{letter}{last_row}" si="{si}">{shared}</f>'
        head = cells[0].as_py().replace(child, anchor, 1)
        cells = _patched(cells, np.arange(len(objs)) == 0, [head])
    return cells


def _other_cell(child: str, v: Any) -> str:
    t, text = _value_parts(v)
    return f"{t}>{child}<v>{text}</v></c>"


def _column_cells(kind: str, values: pd.Series) -> Parts:
    """A CRM column's cells after ``<c r=".." s=".."``: one array, or the pieces of each
    cell (constants and arrays) when every cell has the same shape."""
    if kind in ("number", "date"):
        if kind == "date":
            stamps = pd.to_datetime(values, errors="coerce").to_numpy("datetime64[ns]")
            nums = (stamps - _EPOCH) / np.timedelta64(1, "D")
        else:
            nums = pd.to_numeric(values, errors="coerce").to_numpy(float)
        infinite = np.isinf(nums)
        texts = _number_texts(np.where(infinite, np.nan, nums))
        if not texts.null_count and not infinite.any():
            return ["><v>", texts, "</v></c>"]
        cells = pc.if_else(pc.is_null(texts), _EMPTY, _join("><v>", texts, "</v></c>"))
        # XML numbers are finite: never <v>inf</v>
        return _patched(cells, infinite, [' t="e"><v>#NUM!</v></c>'] * int(infinite.sum()))
    if kind == "bool":
        flags = pa.array(values.to_numpy()) if values.dtype == bool else pa.array(
            values.astype("boolean").to_numpy(dtype=object, na_value=None), type=pa.bool_())
        return pc.if_else(pc.is_null(flags), _EMPTY,
                          pc.if_else(flags, ' t="b"><v>1</v></c>', ' t="b"><v>0</v></c>'))
    texts = _escaped(values)
    # Inline strings: text stays text (a leading = + - @ never becomes a formula).
    spaced = pc.or_(pc.starts_with(texts, " "), pc.ends_with(texts, " "))
    if not texts.null_count and not pc.any(spaced).as_py():
        return [' t="inlineStr"><is><t>', texts, "</t></is></c>"]
    open_t = pc.if_else(spaced, '<t xml:space="preserve">', "<t>")
    return pc.if_else(pc.is_null(texts), _EMPTY,
                      _join(' t="inlineStr"><is>', open_t, texts, "</t></is></c>"))


def _mixed_cells(values: pd.Series) -> pa.Array:
    """A user's own column: each cell keeps its own type."""
    out = []
    for v in values.tolist():
        if v is None or (isinstance(v, float) and v != v):
            out.append(_EMPTY)
        elif isinstance(v, bool):
            out.append(f' t="b"><v>{int(v)}</v></c>')
        elif isinstance(v, int | float) and not np.isfinite(v):
            out.append(' t="e"><v>#NUM!</v></c>')
        elif isinstance(v, int | float):
            out.append(f"><v>{v!r}</v></c>")
        elif isinstance(v, dt.datetime | dt.date):
            serial = (pd.Timestamp(v) - pd.Timestamp("1899-12-30")) / pd.Timedelta(days=1)
            out.append(f"><v>{serial!r}</v></c>")
        else:
            t = escape_xml_text(str(v))
            out.append(f' t="inlineStr"><is><t xml:space="preserve">{t}</t></is></c>')
    return pa.array(out, type=pa.string())


def _extend(parts: list[Any], cells: Parts) -> None:
    parts.extend(cells) if isinstance(cells, list) else parts.append(cells)


def _merged(parts: list[Any]) -> list[Any]:
    """Adjacent constants as one: the row-wise join's cost grows with its argument count."""
    out: list[Any] = []
    for p in parts:
        if isinstance(p, str) and out and isinstance(out[-1], str):
            out[-1] += p
        else:
            out.append(p)
    return out


def _escape_formula(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def rows_xml(frame: pd.DataFrame, layout: Layout, scored: Scored, styles: dict[str, str],
             *, chunk: int = 20000, progress: Any = None) -> Iterator[memoryview]:
    """The ``<row>`` elements of the data rows (row 2 on), in chunks of ``chunk`` leads."""
    f = formulas(layout, scored.output)
    n = len(frame)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        rs = pa.array(np.arange(start + 2, stop + 2)).cast(pa.string())
        parts: list[Any] = ['<row r="', rs, '">']
        si = 0
        for j, (key, kind) in enumerate(zip(layout.keys, layout.kinds, strict=True)):
            letter = column_letter(j + 1)
            style = styles.get(letter, "")
            parts += [f'<c r="{letter}', rs, f'" s="{style}"' if style else '"']
            if kind == "formula":
                plain = _escape_formula(f[key])
                _extend(parts, _formula_cells(
                    scored.values[key][start:stop], rs, plain, plain.format(r=2), si, n + 1,
                    letter, start == 0, key in NUMERIC_COMPUTED))
                si += 1
            elif kind == "user formula":
                # No cached value: leanxl cannot compute an arbitrary formula; Excel, or
                # `leanxl recalc`, fills it in.
                text = _escape_formula(layout.user_formulas[key].removeprefix("="))
                cells = pa.array([f'><f t="shared" si="{si}"/></c>'] * (stop - start))
                if start == 0:
                    cells = _patched(cells, np.arange(stop - start) == 0, [
                        f'><f t="shared" ref="{letter}2:{letter}{n + 1}" si="{si}">{text}</f>'
                        "</c>"])
                parts.append(cells)
                si += 1
            elif kind == "mixed":
                parts.append(_mixed_cells(frame[key].iloc[start:stop]))
            elif key in frame.columns:
                _extend(parts, _column_cells(kind, frame[key].iloc[start:stop]))
            else:
                parts.append(_EMPTY)
        parts.append("</row>")
        rows = _join(*_merged(parts))
        offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32)[
            rows.offset:rows.offset + len(rows) + 1]
        # A view of the array's bytes (it keeps the buffer alive): no copy of ~30 MB a chunk.
        yield memoryview(rows.buffers()[2])[offsets[0]:offsets[-1]]
        if progress is not None:
            progress.update(stop - start)
