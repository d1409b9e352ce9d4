"""Compile every numba kernel once so the on-disk cache is written (``leanxl warmup``).

Each kernel module exposes ``warm() -> list[str]``: it calls each of
its kernels on tiny inputs (compiling and caching them) and returns their function names, both
twins of every serial / parallel pair (each twin has its own cache entry, see
:mod:`leanxl.kernels.scoring`).  A new kernel module is registered by adding it to
:func:`warmup`'s imports (plain imports, so the layering check sees them).
"""

from __future__ import annotations


def warmup() -> list[str]:
    """Compile and cache every registered kernel; return their dotted names.

    Returns
    -------
    list of str
        ``module.function`` for every kernel compiled, e.g.
        ``leanxl.kernels.rules.first_int8_parallel``.
    """
    from leanxl.kernels import rules, rules_columns, scoring

    names: list[str] = []
    for module in (scoring, rules, rules_columns):
        names.extend(f"{module.__name__}.{name}" for name in module.warm())
    return names
