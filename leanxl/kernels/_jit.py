"""One decorator owns every numba option, so all kernels compile the same way.

``cache=True`` writes compiled code next to the sources, so compilation happens once per
machine (or once in ``leanxl warmup``), not once per process.  ``error_model="numpy"`` lets
division by zero give inf/nan like numpy instead of raising inside a kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numba

F = TypeVar("F", bound=Callable[..., Any])


def kernel(*signatures: str, parallel: bool = False, **options: Any) -> Callable[[F], F]:
    """Compile a function as a leanxl kernel (``numba.njit`` with the house options)."""

    def wrap(func: F) -> F:
        jit = numba.njit(
            list(signatures) if signatures else None,
            cache=True,
            nogil=True,
            error_model="numpy",
            parallel=parallel,
            fastmath=False,
            **options,
        )
        return jit(func)  # type: ignore[return-value]

    return wrap
