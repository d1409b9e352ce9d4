"""Compile every numba kernel once so the on-disk cache is written (``leanxl warmup``).

Each module named in :data:`KERNEL_MODULES` exposes ``warm() -> list[str]``: it calls each of
its kernels on tiny inputs (compiling and caching them) and returns their names.  A new
kernel module is registered by appending its dotted name here.
"""

from __future__ import annotations

import importlib

KERNEL_MODULES: tuple[str, ...] = ("leanxl.kernels.scoring", "leanxl.kernels.rules")


def warmup() -> list[str]:
    """Compile and cache every registered kernel; return their qualified names."""
    names: list[str] = []
    for module_name in KERNEL_MODULES:
        module = importlib.import_module(module_name)
        names.extend(f"{module_name}.{name}" for name in module.warm())
    return names
