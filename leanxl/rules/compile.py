"""Compile a decision table into kernel arrays, and evaluate it over leads.

Per input column, the numbers in its tests (literals, comparison and range ends) are sorted
into boundary points ``p0 < p1 < ... < p[k-1]``; they cut the axis into ``2k + 1`` regions
(below p0, exactly p0, between p0 and p1, ...), and every test is constant on each region.  Each
region gets the set of rules whose test it passes, as a bit set; a blank value gets the set of
rules with ``-`` in that column.  Text columns use the sorted distinct texts of the tests as
points (code 0..m-1; any other text is code -1, below all of them); boolean columns use 0/1.

Evaluation paths (the same bit sets throughout):

* :meth:`CompiledTable.evaluate_rows` — lists in, lists out, for cell functions: below 256
  leads plain Python on Python-int bit sets (``LEANXL_DECIDE`` on one row costs ~25 µs, no
  numba, no pandas); from 256 leads (a host stacking many cells) the kernels below;
* :meth:`CompiledTable.evaluate` — from 256 leads on, the numba kernels of
  :mod:`leanxl.kernels.rules` (int8 keys with direct tables when every input is a small
  integer column, float64 keys with binary search otherwise).  Each lead's result depends only
  on its set of matching rules (its first match, for FIRST and PRIORITY), so the policy is
  resolved once per distinct set and spread with integer codes into categorical columns.

A table memoises its compiled form; tables are cached by cell content in :mod:`leanxl.rules.cache`.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import math
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from leanxl.domain import normalize_name
from leanxl.errors import NA, VALUE, ArgumentError, CellError
from leanxl.kernels.backend import rules_columns_kernels, rules_kernels
from leanxl.rules.cells import BOOL, NUM, TEXT, Interval, format_value
from leanxl.rules.policies import Aggregator, HitPolicy
from leanxl.values import is_blank

if TYPE_CHECKING:
    import pandas as pd

    from leanxl.rules.table import DecisionTable

Arrays = tuple[np.ndarray, ...]
SMALL_N = 256  # below this many leads, evaluate in plain Python
NO_MATCH = CellError(NA, "no rule matched")


class Decision:
    """The result for one set of matching rules: each output's value and the fired rules."""

    __slots__ = ("values", "rules")

    def __init__(self, values: tuple[object, ...], rules: tuple[int, ...]):
        self.values = values
        self.rules = rules


def _normalize(name: object) -> str:
    try:
        return _normalize_cached(name)
    except TypeError:  # unhashable label
        return normalize_name(name)


_normalize_cached = functools.lru_cache(maxsize=4096)(normalize_name)


class _Columns(Sequence[Any]):
    """The data column of each input, fetched on first use (a frame's int8 block path never
    needs the Series)."""

    def __init__(self, getter: Any, names: list[Any]):
        self.getter = getter
        self.names = names
        self._cache: dict[int, Any] = {}

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, i: int) -> Any:  # type: ignore[override]
        if i < 0 or i >= len(self.names):
            raise IndexError(i)
        if i not in self._cache:
            self._cache[i] = self.getter(self.names[i])
        return self._cache[i]


class ColumnIndex:
    """One input column compiled: boundary points and the rule set of every region."""

    def __init__(self, kind: str | None, points: list[float], region_sets: list[int],
                 codes: dict[str, int] | None):
        self.kind = kind
        self.points = points
        self.region_sets = region_sets  # 2k+1 regions, then the blank region
        self.codes = codes  # text -> code, for text columns

    def region_of_key(self, x: float) -> int:
        n = len(self.points)
        if x != x:
            return 2 * n + 1
        i = bisect.bisect_left(self.points, x)
        if i < n and self.points[i] == x:
            return 2 * i + 1
        return 2 * i


def _representative(points: list[float], region: int) -> float:
    """A number inside a region (regions are between/at the sorted points)."""
    n = len(points)
    if region % 2 == 1:
        return points[region // 2]
    j = region // 2
    if n == 0:
        return 0.0
    if j == 0:
        return points[0] - 1.0
    if j == n:
        return points[-1] + 1.0
    return (points[j - 1] + points[j]) / 2.0


def _key_of(kind: str | None, codes: dict[str, int] | None, value: object) -> float | str:
    """Map a lead value to the column's numeric key (NaN = blank) or an error reason."""
    if kind == NUM and value.__class__ in (int, float):  # the common case, first
        return float(value)
    if hasattr(value, "item") and not isinstance(value, str):
        with contextlib.suppress(TypeError, ValueError):
            value = value.item()
    if is_blank(value):
        return math.nan
    if kind is None:
        return 0.0
    if kind == NUM:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"`{value}` is not a number"
        return float(value)
    if kind == TEXT:
        if not isinstance(value, str):
            return f"`{format_value(value)}` is not a text"
        assert codes is not None
        return float(codes.get(value.strip(), -1))  # CRM exports carry stray spaces
    # boolean
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return 1.0 if value.strip().lower() == "true" else 0.0
    if isinstance(value, int | float) and value in (0, 1):
        return float(value)
    return f"`{value}` is not true/false"


_PD: Any = None


def _pd() -> Any:
    global _PD
    if _PD is None:
        import pandas

        _PD = pandas
    return _PD


class CompiledTable:
    """A decision table as bit-set lookup tables, with evaluation entry points."""

    def __init__(self, table: DecisionTable):
        self.table = table
        n_rules = len(table.rules)
        self.n_rules = n_rules
        self.n_words = max(1, (n_rules + 63) // 64)
        # Bit order: rule order, or output priority for PRIORITY / OUTPUT ORDER.
        order = list(range(n_rules))
        if table.policy in (HitPolicy.PRIORITY, HitPolicy.OUTPUT_ORDER):
            order.sort(key=lambda i: self._priority(i))
        self.order = order  # bit position -> rule index
        self.columns = [self._compile_column(j) for j in range(len(table.inputs))]
        self.keys = [c.key for c in table.inputs]
        self._dtypes: dict[tuple[object, ...], Any] = {}
        self._resolved: dict[int, Decision] = {}
        self._found: dict[tuple[Any, ...], list[Any]] = {}
        self._lock = threading.Lock()
        self._float_arrays: tuple[np.ndarray, ...] | None = None
        self._lut: np.ndarray | None = None
        self._lut_blank: np.ndarray | None = None

    def _priority(self, rule_index: int) -> tuple[int, ...]:
        rule = self.table.rules[rule_index]
        return tuple(col.priority(v) for col, v in zip(self.table.outputs, rule.outputs,
                                                       strict=True))

    def _compile_column(self, j: int) -> ColumnIndex:
        col = self.table.inputs[j]
        tests = [self.table.rules[i].tests[j] for i in self.order]
        codes: dict[str, int] | None = None
        if col.kind == NUM:
            pts: set[float] = set()
            for t in tests:
                for a in t.atoms:
                    assert isinstance(a, Interval)
                    pts.update(x for x in (a.lo, a.hi) if not math.isinf(x))
            points = sorted(pts)
        elif col.kind == TEXT:
            texts = {a for t in tests for a in t.atoms if isinstance(a, str)}
            ordered = sorted(texts)
            codes = {s: i for i, s in enumerate(ordered)}
            points = [float(i) for i in range(len(ordered))]
        elif col.kind == BOOL:
            points = [0.0, 1.0]
        else:
            points = []
        decode = self._decoder(col.kind, codes)
        sets: list[int] = []
        for region in range(2 * len(points) + 1):
            value = decode(_representative(points, region))
            s = 0
            for bit, t in enumerate(tests):
                if t.matches(value):
                    s |= 1 << bit
            sets.append(s)
        blank = 0
        for bit, t in enumerate(tests):
            if t.is_any:
                blank |= 1 << bit
        sets.append(blank)
        return ColumnIndex(col.kind, points, sets, codes)

    @staticmethod
    def _decoder(kind: str | None, codes: dict[str, int] | None) -> Any:
        if kind == TEXT:
            assert codes is not None
            names = {float(v): k for k, v in codes.items()}
            return lambda x: names.get(x, "\x00other")
        if kind == BOOL:
            return lambda x: {0.0: False, 1.0: True}.get(x, "\x00other")
        if kind is None:
            return lambda x: 0.0
        return lambda x: x

    # ------------------------------------------------------------------ policy resolution

    def resolve(self, matched: int) -> Decision:
        """The decision for a set of matching rules (bit set in bit order), cached."""
        hit = self._resolved.get(matched)
        if hit is None:
            hit = self._resolve(matched)
            self._resolved[matched] = hit
        return hit

    def _resolve(self, matched: int) -> Decision:
        table = self.table
        n_out = len(table.outputs)
        bits = [b for b in range(self.n_rules) if matched >> b & 1]
        rules = [table.rules[self.order[b]] for b in bits]  # in bit order
        policy, agg = table.policy, table.aggregator
        if agg is Aggregator.COUNT:
            return Decision((float(len(rules)),), tuple(r.number for r in rules))
        if not rules:
            return Decision((NO_MATCH,) * n_out, ())
        numbers = tuple(r.number for r in rules)
        if policy is HitPolicy.UNIQUE:
            if len(rules) > 1:
                err = CellError(VALUE, f"rules {_and(numbers)} all match (UNIQUE allows one)")
                return Decision((err,) * n_out, numbers)
            return Decision(rules[0].outputs, numbers)
        if policy is HitPolicy.ANY:
            first = rules[0].outputs
            for r in rules[1:]:
                if r.outputs != first:
                    err = CellError(VALUE, f"rules {rules[0].number} and {r.number} match with "
                                    "different outputs (ANY needs them equal)")
                    return Decision((err,) * n_out, numbers)
            return Decision(first, (rules[0].number,))
        if policy in (HitPolicy.FIRST, HitPolicy.PRIORITY):
            return Decision(rules[0].outputs, (rules[0].number,))
        if agg is not None:
            vals = [r.outputs[0] for r in rules if r.outputs[0] is not None]
            if not vals:
                return Decision((CellError(NA, "the matching rules have blank outputs"),), numbers)
            nums = [float(v) for v in vals]  # type: ignore[arg-type]
            total = (math.fsum(nums) if agg is Aggregator.SUM else
                     min(nums) if agg is Aggregator.MIN else max(nums))
            return Decision((total,), numbers)
        # RULE ORDER, COLLECT: rule order; OUTPUT ORDER: bit order is priority order.
        if policy is not HitPolicy.OUTPUT_ORDER:
            rules = sorted(rules, key=lambda r: r.number)
            numbers = tuple(r.number for r in rules)
        return Decision(tuple([r.outputs[k] for r in rules] for k in range(n_out)), numbers)

    # ------------------------------------------------------------------ input columns

    def find_columns(self, data: Any) -> tuple[Any, int, Any]:
        """The data column for each input (by normalized name), the row count and index."""
        if isinstance(data, Mapping):  # checked first: the cell-function path needs no pandas
            # A scalar (or a text) is one lead's value.
            data = {k: [v] if isinstance(v, str) or not hasattr(v, "__len__") else v
                    for k, v in data.items()}
            names = list(data.keys())
            getter = data.__getitem__
            lengths = {len(v) for v in data.values()}
            if len(lengths) > 1:
                raise ArgumentError(f"columns have different lengths {sorted(lengths)}",
                                    where="data", suggestion="give one value per lead in "
                                    "every column")
            n = lengths.pop() if lengths else 0
            index = None
        elif isinstance(data, _pd().DataFrame):
            names = list(data.columns)
            getter = data.__getitem__
            n = len(data)
            index = data.index
        else:
            raise ArgumentError(f"cannot read leads from a {type(data).__name__}", where="data",
                                suggestion="pass a DataFrame or a dict of column -> values")
        try:
            hashable = tuple(names)
            found = self._found.get(hashable)
        except TypeError:  # unhashable column labels: match them every time
            hashable, found = None, None
        if found is None:
            found = self._match_columns(names)
            if hashable is not None and len(self._found) < 64:
                self._found[hashable] = found
        return _Columns(getter, found), n, index

    def _match_columns(self, names: list[Any]) -> list[Any]:
        """The data column name for each input; cached per set of names by find_columns."""
        by_key = {_normalize(c): c for c in names}
        found = []
        for col, key in zip(self.table.inputs, self.keys, strict=True):
            if key not in by_key:
                import difflib

                close = difflib.get_close_matches(key, list(by_key), n=1)
                hint = f"did you mean {by_key[close[0]]}?" if close else (
                    "add the column to the leads, or rename the IN header")
                raise ArgumentError(f"table {self.table.name} needs input column "
                                    f"'{col.name}', which the data lacks", where=col.name,
                                    suggestion=hint)
            found.append(by_key[key])
        return found

    # ------------------------------------------------------------------ small path

    def _row_sets(self, cols: list[Any], n: int) -> list[int | str]:
        """Matching-rule bit set per lead (or an error reason), in plain Python."""
        full = (1 << self.n_rules) - 1
        result: list[int | str] = []
        lists = [list(c) for c in cols]
        for i in range(n):
            s = full
            reason = ""
            for j, ci in enumerate(self.columns):
                key = _key_of(ci.kind, ci.codes, lists[j][i])
                if isinstance(key, str):
                    reason = f"{self.table.inputs[j].name}: {key}"
                    break
                s &= ci.region_sets[ci.region_of_key(key)]
            result.append(reason or s)
        return result

    def evaluate_rows(self, columns: Mapping[str, Sequence[object]],
                      output: str | None = None) -> list[list[object]]:
        """Plain lists in, plain lists out; see :meth:`DecisionTable.evaluate_rows`."""
        cols, n, _ = self.find_columns(columns)
        outs = self.table.output_index(output)
        if n >= SMALL_N:  # many rows (a host stacking cells): the kernels, then lists
            src, offset, decisions, _ = self._kernel_codes(cols, n, columns)
            per = [[d.values[k] for k in outs] for d in decisions]
            return [list(per[i]) for i in (src + offset).tolist()]
        rows: list[list[object]] = []
        for s in self._row_sets(cols, n):
            if isinstance(s, str):
                err = CellError(VALUE, s)
                rows.append([err] * len(outs))
            else:
                d = self.resolve(s)
                rows.append([d.values[k] for k in outs])
        return rows

    def decide_one(self, row: Mapping[str, object]) -> tuple[Decision | CellError, int]:
        """Decision and matching set for one lead given as a mapping (for explain)."""
        cols, _, _ = self.find_columns({k: [v] for k, v in row.items()})
        s = self._row_sets(cols, 1)[0]
        if isinstance(s, str):
            return CellError(VALUE, s), 0
        return self.resolve(s), s

    # ------------------------------------------------------------------ kernel path

    def _arrays_float(self) -> tuple[np.ndarray, ...]:
        if self._float_arrays is None:
            k = max([len(c.points) for c in self.columns] + [1])
            nf = len(self.columns)
            bounds = np.full((nf, k), np.inf)
            nb = np.zeros(nf, np.int64)
            masks = np.zeros((nf, 2 * k + 2, self.n_words), np.uint64)
            for f, c in enumerate(self.columns):
                nb[f] = len(c.points)
                bounds[f, : len(c.points)] = c.points
                for r, s in enumerate(c.region_sets):
                    region = r if r < len(c.region_sets) - 1 else 2 * len(c.points) + 1
                    masks[f, region] = _words(s, self.n_words)
            self._float_arrays = (bounds, nb, masks)
        return self._float_arrays

    def _lut_int8(self) -> np.ndarray:
        if self._lut is None:
            nf = len(self.columns)
            lut = np.zeros((nf, 256, self.n_words), np.uint64)
            for f, c in enumerate(self.columns):
                for v in range(-128, 128):
                    lut[f, v + 128] = _words(c.region_sets[c.region_of_key(float(v))],
                                             self.n_words)
            self._lut = lut
        return self._lut

    def _lut_with_blank(self) -> np.ndarray:
        """:meth:`_lut_int8` with key -128 meaning blank (the raw-column kernels' key)."""
        if self._lut_blank is None:
            lut = self._lut_int8().copy()
            for f, c in enumerate(self.columns):
                lut[f, 0] = _words(c.region_sets[c.region_of_key(math.nan)], self.n_words)
            self._lut_blank = lut
        return self._lut_blank

    def _raw_columns(self, cols: Any) -> tuple[Arrays, Arrays] | None:
        """Numeric input columns read in place (values, NA masks), or None (text, booleans,
        lists, int8 frames: the key paths below)."""
        if not all(ci.kind in (NUM, None) for ci in self.columns):
            return None
        from leanxl.scoring.raw import numeric_column, uniform_columns

        values, masks = [], []
        for i in range(len(cols)):
            found = numeric_column(cols[i])
            if found is None:
                return None
            values.append(found[0])
            masks.append(found[1])
        return uniform_columns(values, masks)

    def _decide_raw(self, cols: Any, n: int) -> tuple[np.ndarray, np.ndarray | None] | None:
        """FIRST / PRIORITY positions (and ``used``) or rule words of every lead, straight from
        numeric columns; None when they cannot go that way (a value that is no whole number
        in -127..127 included: the float64 keys handle it)."""
        raw = self._raw_columns(cols)
        if raw is None:
            return None
        kr = rules_columns_kernels(n)
        if self.table.policy in (HitPolicy.FIRST, HitPolicy.PRIORITY):
            src = np.empty(n, np.int32)
            used = np.zeros(self.n_words * 64 + 1, np.bool_)
            done = kr.first_match_columns(*raw, self._lut_with_blank(), src, used)
            return (src, used) if done else None
        words = np.empty((n, self.n_words), np.uint64)
        done = kr.match_masks_columns(*raw, self._lut_with_blank(), words)
        return (words, None) if done else None

    def _keys(self, cols: list[Any], n: int) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
        """Kernel keys (int8 when every column allows), and per-lead error reasons."""
        arrays = [_as_array(c, n) for c in cols]
        if all(ci.kind in (NUM, None) for ci in self.columns) and all(
                a.dtype.kind in "iu" for a in arrays):
            if all(a.dtype == np.int8 for a in arrays):
                return _stack_int8(arrays, n), None, []
            if all(a.size == 0 or (a.min() >= -128 and a.max() <= 127) for a in arrays):
                return _stack_int8([a.astype(np.int8) for a in arrays], n), None, []
        pd = _pd()
        keys = np.empty((len(cols), n), np.float64)
        bad = np.full(n, -1, np.int64)
        reasons: list[str] = []
        reason_ids: dict[str, int] = {}
        for f, (ci, a) in enumerate(zip(self.columns, arrays, strict=True)):
            if ci.kind is None:
                keys[f] = 0.0
            elif (ci.kind == NUM and a.dtype.kind in "iuf") or (
                    ci.kind == BOOL and a.dtype == np.bool_):
                keys[f] = a
            else:
                # Anything else (object, text, mixed): map each distinct value once.
                # factorize treats True as 1 and False as 0 (equal hashes), so booleans are
                # taken out first and keyed one by one: they are not numbers, 0 is not False.
                isbool = None
                source = a
                if a.dtype == object:
                    isbool = np.fromiter((isinstance(v, bool | np.bool_) for v in a), bool, n)
                    if isbool.any():
                        source = a.copy()
                        source[isbool] = None
                codes, uniques = pd.factorize(source, use_na_sentinel=True)
                mapped = np.empty(len(uniques) + 1, np.float64)
                mapped[-1] = np.nan  # code -1 (blank) indexes the last slot
                name = self.table.inputs[f].name
                bad_u: dict[int, str] = {}
                for u, v in enumerate(uniques):
                    key = _key_of(ci.kind, ci.codes, v)
                    if isinstance(key, str):
                        mapped[u] = np.nan
                        bad_u[u] = f"{name}: {key}"
                    else:
                        mapped[u] = key
                keys[f] = mapped[codes]
                for u, reason in bad_u.items():
                    for i in np.flatnonzero(codes == u):
                        _mark(bad, reasons, reason_ids, int(i), reason)
                if isbool is not None:
                    for i in np.flatnonzero(isbool):
                        key = _key_of(ci.kind, ci.codes, a[i])
                        if isinstance(key, str):
                            keys[f, i] = np.nan
                            _mark(bad, reasons, reason_ids, int(i), f"{name}: {key}")
                        else:
                            keys[f, i] = key
        return keys, (bad if reasons else None), reasons

    def evaluate(self, data: Any, output: str | None = None) -> pd.DataFrame:
        """Decide every lead; see :meth:`DecisionTable.evaluate`."""
        cols, n, index = self.find_columns(data)
        outs = self.table.output_index(output)
        if n < SMALL_N:
            sets = self._row_sets(cols, n)
            decisions: list[Decision] = []
            src = np.empty(n, np.int64)
            seen: dict[int | str, int] = {}
            for i, s in enumerate(sets):
                c = seen.get(s)
                if c is None:
                    c = seen[s] = len(decisions)
                    decisions.append(self.resolve(s) if isinstance(s, int) else _error(s,
                                     len(self.table.outputs)))
                src[i] = c
            offset = 0
        else:
            src, offset, decisions, used = self._kernel_codes(cols, n, data)
            return self._frame(src, offset, decisions, outs, index, used)
        return self._frame(src, offset, decisions, outs, index)

    def _kernel_codes(self, cols: list[Any], n: int,
                      data: Any) -> tuple[np.ndarray, int, list[Decision], np.ndarray | None]:
        """Per lead, an index into the returned decisions (``src + offset``)."""
        kr = rules_kernels(n)

        int8_frame = self._all_int8(data, cols)
        found = None if int8_frame else self._decide_raw(cols, n)
        bad: np.ndarray | None = None
        reasons: list[str] = []
        if found is None:
            keys, bad, reasons = self._frame_int8(data, cols) if int8_frame else (
                self._keys(cols, n))
            table = (self._lut_int8(),) if keys.dtype == np.int8 else self._arrays_float()
        policy = self.table.policy
        if policy in (HitPolicy.FIRST, HitPolicy.PRIORITY):
            if found is None:
                src = np.empty(n, np.int32)
                used: np.ndarray | None = np.zeros(self.n_words * 64 + 1, np.bool_)
                kr.first_match(keys, table, src, used)
            else:
                src, used = found
            offset = 1  # -1 (no match) -> decision 0
            decisions = [self.resolve(0)] + [self.resolve(1 << b) for b in range(self.n_rules)]
            used = used[: len(decisions)]  # type: ignore[index]
        else:
            if found is None:
                words = np.empty((n, self.n_words), np.uint64)
                kr.match_masks(keys, table, words)
            else:
                words = found[0]
            pd = _pd()
            if self.n_words == 1:
                codes, uniques = pd.factorize(words[:, 0])
                sets = [int(u) for u in uniques]
            else:
                uniq, inv = np.unique(words, axis=0, return_inverse=True)
                codes = inv.reshape(-1)
                sets = [sum(int(w) << (64 * k) for k, w in enumerate(row)) for row in uniq]
            decisions = [self.resolve(s) for s in sets]
            src = np.asarray(codes, np.int64)
            offset = 0
            used = np.ones(len(decisions), np.bool_)  # factorize returns only what occurs
        if bad is not None:
            base = len(decisions)
            decisions += [_error(r, len(self.table.outputs)) for r in reasons]
            sel = bad >= 0
            src[sel] = base + bad[sel] - offset
            used = None  # some results may now be gone: recount
        return src, offset, decisions, used

    def _all_int8(self, data: Any, cols: Any) -> bool:
        # Not _pd(): a caller that never imported pandas cannot pass a DataFrame, and the
        # cell-function path (dicts of columns) then stays free of pandas' import and memory.
        pd = sys.modules.get("pandas")
        if pd is None or not (isinstance(data, pd.DataFrame) and isinstance(cols, _Columns)
                and all(ci.kind in (NUM, None) for ci in self.columns)):
            return False
        dtypes = data.dtypes
        return all(dtypes[name] == np.int8 for name in cols.names)

    def _frame_int8(self, data: Any, cols: Any) -> tuple[np.ndarray, None, list[str]]:
        """int8 factor columns of a frame as an F x N matrix, without a copy when pandas
        already holds them as one block in this order (the usual CRM-frame case)."""
        names = list(cols.names)
        pd = _pd()
        # An object Index avoids pandas 3 building an Arrow string index (~0.5 ms a call).
        picked = data if names == list(data.columns) else data[pd.Index(names, dtype=object)]
        block = picked.to_numpy().T
        if block.dtype != np.int8 or not block.flags.c_contiguous:
            block = np.ascontiguousarray(block, dtype=np.int8)
        return block, None, []

    def _frame(self, src: np.ndarray, offset: int, decisions: list[Decision],
               outs: list[int], index: Any, used: np.ndarray | None = None) -> pd.DataFrame:
        """Outputs and ``rules`` as categorical columns (lists: object columns)."""
        pd = _pd()
        n = len(src)
        listy = self.table.list_result
        cats: list[list[object]] = []

        def build(used: np.ndarray) -> np.ndarray:
            rows: list[np.ndarray] = []
            columns = [[d.values[k] for d in decisions] for k in outs] if not listy else []
            columns.append([d.rules for d in decisions])
            for values in columns:
                ids: dict[tuple[type, object], int] = {}
                cat: list[object] = []
                row = np.full(len(decisions), -1, np.int64)
                for i, v in enumerate(values):
                    if not used[i] or v is None:
                        continue
                    key = (type(v), v)
                    c = ids.get(key)
                    if c is None:
                        c = ids[key] = len(cat)
                        cat.append(v)
                    row[i] = c
                cats.append(cat)
                rows.append(row)
            table = np.array(rows)
            top = int(table.max(initial=0))
            dtype = np.int8 if top < 127 else np.int16 if top < 32767 else np.int32
            return table.astype(dtype)

        if n >= SMALL_N:
            codes = rules_kernels(n).result_codes(src, offset, len(decisions), build, used)
        else:
            used = np.zeros(len(decisions), np.bool_)
            used[src + offset] = True
            codes = build(used)[:, src + offset]
        data: dict[str, Any] = {}
        for j, k in enumerate(outs):
            name = self.table.outputs[k].name
            if listy:
                arr = np.empty(len(decisions), object)
                for i, d in enumerate(decisions):
                    arr[i] = d.values[k]
                # list columns are taken from the decisions by result index
                data[name] = pd.Series(arr[src + offset if offset else src], dtype=object,
                                       index=index, copy=False)
            else:
                data[name] = _categorical(codes[j], cats[j], index, self._dtypes)
        data["rules"] = _categorical(codes[len(cats) - 1], cats[-1], index, self._dtypes)
        return pd.DataFrame(data, index=index, copy=False,
                            columns=pd.Index(list(data), dtype=object))


def _categorical(codes: np.ndarray, categories: list[object], index: Any,
                 cache: dict[tuple[object, ...], Any]) -> Any:
    pd = _pd()
    arr = np.empty(len(categories), object)
    for i, c in enumerate(categories):  # element-wise: tuples must stay tuples
        arr[i] = c
    key = tuple((type(c), c) for c in categories)
    try:
        dtype = cache.get(key)
        if dtype is None:  # building a dtype validates its categories: ~0.1 ms, so reuse
            dtype = pd.CategoricalDtype(pd.Index(arr, dtype=object, tupleize_cols=False))
            if len(cache) < 256:
                cache[key] = dtype
        return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype, validate=False),
                         index=index, copy=False)
    except (ValueError, TypeError):  # categories equal as Python values (1 and True)
        full = np.empty(len(categories) + 1, object)
        full[:-1] = arr
        full[-1] = None
        return pd.Series(full[codes], dtype=object, index=index)


def _error(reason: str, n_out: int) -> Decision:
    return Decision((CellError(VALUE, reason),) * n_out, ())


def _mark(bad: np.ndarray, reasons: list[str], ids: dict[str, int], i: int, reason: str) -> None:
    if bad[i] >= 0:
        return
    rid = ids.get(reason)
    if rid is None:
        rid = ids[reason] = len(reasons)
        reasons.append(reason)
    bad[i] = rid


def _as_array(column: Any, n: int) -> np.ndarray:
    """A data column as a numpy array without guessing types (lists stay objects)."""
    pd = sys.modules.get("pandas")  # not imported by the caller: cannot be a Series
    if pd is not None and isinstance(column, pd.Series):
        dtype = column.dtype
        if isinstance(dtype, pd.api.extensions.ExtensionDtype) and pd.api.types.is_numeric_dtype(
                dtype) and not pd.api.types.is_bool_dtype(dtype):
            return column.to_numpy(np.float64, na_value=np.nan)
        return column.to_numpy()
    if isinstance(column, np.ndarray):
        return column
    arr = np.empty(n, object)
    arr[:] = list(column)
    return arr


def _stack_int8(arrays: list[np.ndarray], n: int) -> np.ndarray:
    keys = np.empty((len(arrays), n), np.int8)
    for f, a in enumerate(arrays):
        keys[f] = a
    return keys


def _words(s: int, n_words: int) -> np.ndarray:
    return np.array([(s >> (64 * k)) & 0xFFFFFFFFFFFFFFFF for k in range(n_words)], np.uint64)


def _and(numbers: Sequence[int]) -> str:
    items = [str(x) for x in numbers]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def compile_table(table: DecisionTable) -> CompiledTable:
    """The compiled form of a table (the table memoises it: see ``DecisionTable.compiled``)."""
    return CompiledTable(table)
