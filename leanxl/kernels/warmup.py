"""Compile every numba kernel once so the on-disk cache is written (``leanxl warmup``).

Each module named in :data:`KERNEL_MODULES` exposes ``warm() -> list[str]``: it calls each of
its kernels on tiny inputs (compiling and caching them) and returns their function names, both
twins of every serial / parallel pair (each twin has its own cache entry, see
:mod:`leanxl.kernels.scoring`).  A new kernel module is registered by appending its dotted
name here.
"""

from __future__ import annotations

import importlib

KERNEL_MODULES: tuple[str, ...] = ("leanxl.kernels.scoring", "leanxl.kernels.rules")


def warmup() -> list[str]:
    """Compile and cache every registered kernel; return their dotted names.

    Returns
    -------
    list of str
        ``module.function`` for every kernel compiled, e.g.
        ``leanxl.kernels.rules.first_int8_parallel``.
    """
    names: list[str] = []
    for module_name in KERNEL_MODULES:
        module = importlib.import_module(module_name)
        names.extend(f"{module_name}.{name}" for name in module.warm())
    return names
