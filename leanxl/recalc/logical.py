"""Which formulas give TRUE/FALSE, read from the formula text alone.

LibreOffice hands a logical result over as the number 1 or 0 unless the cell's number format
says "boolean", and Excel's books often carry other formats: its results came back as 1/0
where Excel shows TRUE/FALSE.  A formula's result is certainly a boolean (whatever the data)
when its outermost operation is one of:

* a comparison (``=``, ``<>``, ``<``, ``>``, ``<=``, ``>=`` outside parentheses, strings and
  arguments: the comparison binds last, so it is the formula's result), e.g. ``A1+1>B1``;
* ``TRUE``/``FALSE`` (constant or function), or a call of ``AND``, ``OR``, ``NOT``, ``XOR``,
  ``EXACT`` or an ``IS…`` function (``ISBLANK``, ``ISNUMBER``, ``ISERROR``…, ``ISEVEN``);
* ``IF(test, a, b)`` / ``IFERROR(a, b)`` / ``IFNA(a, b)`` whose every result branch is
  itself certainly a boolean (``IF`` without its third argument gives FALSE);
* any of these in parentheses.

Anything else (``(A1>1)*1``, ``MAX(…)``, a cell reference to a TRUE) is left as the engine
gave it: a rule that can only say "boolean" when it is sure never turns a number into TRUE.
"""

from __future__ import annotations

import re

_LOGICAL_FUNCTIONS = frozenset({"AND", "OR", "NOT", "XOR", "TRUE", "FALSE", "EXACT"})
_IS_FUNCTION = re.compile(r"IS[A-Z]+")  # ISBLANK, ISNUMBER, ISERR, ISEVEN, ISFORMULA, ...
_BRANCHES = {"IF": (1, 2), "IFERROR": (0, 1), "IFNA": (0, 1)}
_CALL = re.compile(r"(?:_xlfn\.|_xlws\.)?([A-Za-z][A-Za-z0-9.]*)\s*\(", re.ASCII)
_OPEN, _CLOSE = "({", ")}"


def _split_top(text: str) -> tuple[list[str], bool]:
    """Split ``text`` at top-level commas; also say whether a top-level comparison occurs.

    Strings (``"a""b"``), quoted sheet names (``'My sheet'!A1``) and table brackets are
    skipped; ``(``/``{`` open a level.  An unbalanced text gives ([], False).
    """
    parts: list[str] = []
    depth = 0
    start = 0
    comparison = False
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in "\"'":
            end = i + 1
            while end < n:
                if text[end] == ch:
                    if end + 1 < n and text[end + 1] == ch:
                        end += 2
                        continue
                    break
                end += 1
            i = end + 1
            continue
        if ch == "[":
            level = 0
            while i < n:
                level += text[i] == "["
                level -= text[i] == "]"
                i += 1
                if level == 0:
                    break
            continue
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            if depth < 0:
                return [], False
        elif depth == 0 and ch == ",":
            parts.append(text[start:i])
            start = i + 1
        elif depth == 0 and ch in "<>=":
            comparison = True
        i += 1
    if depth != 0:
        return [], False
    parts.append(text[start:])
    return parts, comparison


def returns_logical(formula: str, depth: int = 0) -> bool:
    """Whether ``formula`` (with or without its leading ``=``) certainly gives TRUE/FALSE."""
    text = formula.strip()
    if text.startswith("="):
        text = text[1:].strip()
    if not text or depth > 20:
        return False
    parts, comparison = _split_top(text)
    if len(parts) != 1:
        return False  # unbalanced, or a union at the top: not a plain value
    if comparison:
        return True
    upper = text.upper()
    if upper in ("TRUE", "FALSE"):
        return True
    if text.startswith("(") and text.endswith(")") and _closes_at_end(text):
        return returns_logical(text[1:-1], depth + 1)
    m = _CALL.match(text)
    if m is None or not text.endswith(")") or not _closes_at_end(text, m.end() - 1):
        return False
    name = m.group(1).upper()
    if name in _LOGICAL_FUNCTIONS or _IS_FUNCTION.fullmatch(name):
        return True
    branches = _BRANCHES.get(name)
    if branches is None:
        return False
    args, _ = _split_top(text[m.end():-1])
    chosen = [args[i] for i in branches if i < len(args)]  # IF(t, a) gives FALSE otherwise
    return bool(chosen) and all(returns_logical(a, depth + 1) for a in chosen)


def _closes_at_end(text: str, open_at: int = 0) -> bool:
    """Whether the parenthesis at ``open_at`` closes at the last character of ``text``."""
    parts, _ = _split_top(text[open_at + 1:-1])
    return bool(parts)
