"""The cell language of decision tables: DMN S-FEEL simple unary tests and output literals.

An input cell is parsed once, at load time, into a :class:`UnaryTest`:

* ``-`` or blank: any value;
* a literal: ``3``, ``2.5``, ``"S4"`` or bare ``S4``, ``true`` / ``false``;
* a comparison: ``<2``, ``<=2``, ``>4``, ``>=4``;
* a range: ``[1..3]``, ``(1..3)`` or ``]1..3[`` (open), ``[1..3)`` (half-open);
* a list of the above: ``1,2,5`` or ``"S1","S2"`` (any of them);
* ``not(...)`` around any of the above.

Numbers become closed/open intervals, so one representation serves literals, comparisons
and ranges; strings and booleans are equality tests.  A mistake raises
:class:`CellSyntaxError` with a suggestion ("did you mean `[1..3]`?"); the loader adds the
sheet and cell.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from leanxl.values import is_blank

NUM = "number"
TEXT = "text"
BOOL = "boolean"

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER_RE = re.compile(rf"^{_NUMBER}$")
_CMP_RE = re.compile(rf"^(<=|>=|<|>)\s*({_NUMBER})$")
_RANGE_RE = re.compile(rf"^([\[\(\]])\s*({_NUMBER})\s*\.\.\s*({_NUMBER})\s*([\]\)\[])$")
_BARE_RE = re.compile(r"^[A-Za-z_][\w .&/'+%-]*$")
_NOT_RE = re.compile(r"^not\s*\((.*)\)$", re.IGNORECASE | re.DOTALL)
_ANY_TEXTS = {"-", "\u2013", "\u2014"}  # hyphen, en dash, em dash (Excel autocorrects)


class CellSyntaxError(ValueError):
    """A cell that is not valid S-FEEL; the loader turns it into a TableError with the cell."""

    def __init__(self, message: str, suggestion: str | None = None):
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion


@dataclass(frozen=True, slots=True)
class Interval:
    """Numbers from ``lo`` to ``hi``; a literal ``3`` is ``[3..3]``, ``<2`` is ``(-inf..2)``."""

    lo: float
    hi: float
    lo_closed: bool
    hi_closed: bool

    def contains(self, x: float) -> bool:
        if x < self.lo or (x == self.lo and not self.lo_closed):
            return False
        return not (x > self.hi or (x == self.hi and not self.hi_closed))

    def __str__(self) -> str:
        if self.lo == self.hi:
            return _fmt_number(self.lo)
        if self.lo == -math.inf:
            return f"{'<=' if self.hi_closed else '<'}{_fmt_number(self.hi)}"
        if self.hi == math.inf:
            return f"{'>=' if self.lo_closed else '>'}{_fmt_number(self.lo)}"
        return (f"{'[' if self.lo_closed else '('}{_fmt_number(self.lo)}.."
                f"{_fmt_number(self.hi)}{']' if self.hi_closed else ')'}")


Atom = Interval | str | bool


@dataclass(frozen=True, slots=True)
class UnaryTest:
    """One input cell: matches a value when any atom matches (inverted by ``not(...)``).

    ``atoms`` empty means "any value" (``-`` or blank).  ``kind`` is the type of value the
    cell compares with: number, text or boolean (None for "any").
    """

    text: str
    atoms: tuple[Atom, ...] = ()
    negated: bool = False
    kind: str | None = None

    @property
    def is_any(self) -> bool:
        return not self.atoms

    def matches(self, value: object) -> bool:
        """Does a typed lead value (float, str, bool, or None for blank) pass this test?

        A blank value passes only ``-``: S-FEEL compares null with nothing (``not(...)`` of a
        null comparison is null too, so it does not match either).
        """
        if not self.atoms:
            return True
        if value is None:
            return False
        hit = any(_atom_matches(a, value) for a in self.atoms)
        return hit != self.negated

    def __str__(self) -> str:
        return self.text


def _atom_matches(atom: Atom, value: object) -> bool:
    if isinstance(atom, Interval):
        return (isinstance(value, float | int) and not isinstance(value, bool)
                and atom.contains(float(value)))
    if isinstance(atom, bool):
        return isinstance(value, bool) and value == atom
    return isinstance(value, str) and value == atom


ANY = UnaryTest("-")


def _fmt_number(x: float) -> str:
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def format_value(value: object) -> str:
    """A value as a person would type it in a cell (numbers without ``.0``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | int):
        return _fmt_number(float(value))
    return str(value)


def parse_test(cell: object) -> UnaryTest:
    """Parse one input cell into a :class:`UnaryTest`.

    Parameters
    ----------
    cell:
        The raw cell value: ``None`` (blank), a number, a boolean or text.

    Raises
    ------
    CellSyntaxError
        When the text is not a valid simple unary test; the error carries a suggestion.
    """
    if is_blank(cell) and not isinstance(cell, str):  # None, NaN, pd.NA: text is parsed below
        return ANY
    if isinstance(cell, bool):
        return UnaryTest(format_value(cell), (cell,), kind=BOOL)
    if isinstance(cell, int | float):
        x = float(cell)
        return UnaryTest(format_value(x), (Interval(x, x, True, True),), kind=NUM)
    if not isinstance(cell, str):
        raise CellSyntaxError(f"cannot use a {type(cell).__name__} value here",
                              "write a number, a text or a test such as `<=2`")
    text = cell.strip()
    if text == "" or text in _ANY_TEXTS:
        return ANY
    negated = False
    body = text
    m = _NOT_RE.match(text)
    if m:
        negated = True
        body = m.group(1).strip()
        if body == "":
            raise CellSyntaxError("`not()` needs a test inside", "write e.g. `not(1,2)`")
        inner = _NOT_RE.match(body)
        if inner:
            raise CellSyntaxError("`not(...)` cannot be nested", f"write `{inner.group(1)}`")
    elif re.match(r"^not\b", text, re.IGNORECASE):
        rest = text[3:].strip()
        raise CellSyntaxError("`not` needs parentheses", f"did you mean `not({rest})`?")
    comma_range = re.match(rf"^([\[\(\]])\s*({_NUMBER})\s*[,;]\s*({_NUMBER})\s*([\]\)\[])$", body)
    if comma_range:
        a, lo, hi, b = comma_range.groups()
        raise CellSyntaxError("a range is written with `..`, not a comma",
                              f"did you mean `{a}{lo}..{hi}{b}`?")
    atoms = tuple(_parse_item(item) for item in split_list(body))
    kinds = {_atom_kind(a) for a in atoms}
    if len(kinds) > 1:
        raise CellSyntaxError("a list mixes numbers, texts and booleans",
                              "keep one type per column, e.g. quote texts: `\"S1\",\"S2\"`")
    return UnaryTest(text, atoms, negated, kinds.pop())


def _atom_kind(atom: Atom) -> str:
    if isinstance(atom, Interval):
        return NUM
    if isinstance(atom, bool):
        return BOOL
    return TEXT


def split_list(body: str) -> list[str]:
    """Split on commas outside double quotes."""
    items: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in body:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    if quoted:
        raise CellSyntaxError("a quote is not closed", f"did you mean `{body}\"`?")
    items.append("".join(current))
    return items


def _parse_item(raw: str) -> Atom:
    s = raw.strip()
    if s == "":
        raise CellSyntaxError("empty item in a list", "remove the extra comma")
    if s in _ANY_TEXTS:
        raise CellSyntaxError("`-` (any value) cannot be part of a list or `not(...)`",
                              "write `-` alone")
    if len(s) >= 2 and s[0] == '"' and s[-1] == '"':
        inner = s[1:-1]
        if '"' in inner:
            raise CellSyntaxError("a quote inside a quoted text", "split it into list items")
        return inner
    low = s.lower()
    if low in ("true", "false"):
        return low == "true"
    if _NUMBER_RE.match(s):
        x = float(s)
        return Interval(x, x, True, True)
    m = _CMP_RE.match(s)
    if m:
        op, num = m.group(1), float(m.group(2))
        return {
            "<": Interval(-math.inf, num, False, False),
            "<=": Interval(-math.inf, num, False, True),
            ">": Interval(num, math.inf, False, False),
            ">=": Interval(num, math.inf, True, False),
        }[op]
    m = _RANGE_RE.match(s)
    if m:
        a, lo_s, hi_s, b = m.groups()
        lo, hi = float(lo_s), float(hi_s)
        if lo > hi:
            raise CellSyntaxError(f"range `{s}` starts above its end",
                                  f"did you mean `{a}{hi_s}..{lo_s}{b}`?")
        return Interval(lo, hi, a == "[", b == "]")
    if _BARE_RE.match(s) and ".." not in s:
        return s  # a bare text such as S4 or Sweet spot
    raise CellSyntaxError(f"cannot read `{s}` as a test", _suggest(s))


def _suggest(s: str) -> str | None:
    """Guess what was meant by a malformed item."""
    spaced = re.sub(r"(\d)\s*(-|to|–)\s*(\d)", r"\1 \3", s).replace("..", " ")
    nums = re.findall(r"-?\d+(?:\.\d+)?", spaced)
    m = re.match(rf"^(=<|=>|=|==|!=|<>|≤|≥)\s*({_NUMBER})$", s)
    if m:
        op, num = m.groups()
        fix = {"=<": f"<={num}", "=>": f">={num}", "=": num, "==": num, "!=": f"not({num})",
               "<>": f"not({num})", "≤": f"<={num}", "≥": f">={num}"}[op]
        return f"did you mean `{fix}`?"
    if re.match(r"^(<=|>=|<|>)", s):
        return "a comparison needs a number, e.g. `<=2`"
    if ".." in s or re.match(rf"^\s*{_NUMBER}\s*(-|to|–)\s*{_NUMBER}\s*$", s) or (
        s[:1] in "[(]" and len(nums) == 2
    ):
        if len(nums) == 2:
            lo, hi = sorted(nums, key=float)
            return f"did you mean `[{lo}..{hi}]`?"
        return "write a range as `[1..3]`"
    if s.startswith('"') or s.endswith('"'):
        return f"did you mean `\"{s.strip(chr(34))}\"`?"
    if _BARE_RE.match(s.replace('"', "")) is None:
        return "quote texts with special characters, e.g. `\"A&B (new)\"`"
    return None


def parse_output(cell: object) -> object:
    """Parse an output cell into a literal: number, text, boolean or None (blank).

    Quoted text loses its quotes; ``true``/``false`` become booleans; text that reads as a
    number becomes a float (so a 2-D list of strings behaves like the sheet it came from).
    """
    if is_blank(cell) and not isinstance(cell, str):  # None, NaN, pd.NA: text is parsed below
        return None
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, int | float):
        return float(cell)
    if not isinstance(cell, str):
        raise CellSyntaxError(f"cannot use a {type(cell).__name__} value as an output",
                              "write a number or a text")
    s = cell.strip()
    if s == "":
        return None
    if len(s) >= 2 and s[0] == '"' and s[-1] == '"':
        return s[1:-1]
    if s.lower() in ("true", "false"):
        return s.lower() == "true"
    if _NUMBER_RE.match(s):
        return float(s)
    return s


def parse_value_list(text: str) -> tuple[object, ...]:
    """Parse the ``{a, b, "c"}`` allowed-values list of a header (without the braces)."""
    items = [item for item in split_list(text)]
    values = tuple(parse_output(item) for item in items)
    if any(v is None for v in values):
        raise CellSyntaxError("empty item in the list of allowed values",
                              "remove the extra comma")
    return values


def same_value(a: object, b: object) -> bool:
    """Equality of literals that keeps ``True`` and ``1`` apart."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b
