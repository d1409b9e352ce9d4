"""Which kernel runs a scoring call: the numba kernels (imported on first use), the weights'
dtype they sum in, and the chunks of a parallel call.  Serial vs parallel is decided by
:func:`leanxl.kernels.parallel.use_parallel` (the rules kernels have their own threshold in
the same module).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from leanxl.scoring.arguments import N_FACTORS, UNIT_WEIGHTS

_UNIT_WEIGHTS_U16 = np.ones(N_FACTORS, dtype=np.uint16)


#: Largest Σw(S-1) for the exact uint16 sums (else the kernels sum in float64).
_UINT16_MAX = 65535


def kernel_weights(weights: np.ndarray, scale_max: int) -> np.ndarray:
    """Weights in the dtype the kernels should sum in: uint16 when every weight is a whole
    number and the largest possible sum fits (exact and ~2.5x faster), else float64."""
    if weights is UNIT_WEIGHTS:  # the default, on every single-cell call: no numpy work
        return _UNIT_WEIGHTS_U16
    if (weights == np.floor(weights)).all() and weights.sum() * (scale_max - 1) <= _UINT16_MAX:
        return weights.astype(np.uint16)
    return weights


def chunks() -> int:
    """How many chunks a parallel kernel call splits its leads into."""
    import numba

    return 4 * numba.get_num_threads()  # a few chunks per thread: cores are shared


def scoring_kernels() -> Any:
    """The module of numba scoring kernels (:mod:`leanxl.kernels.scoring`)."""
    # numba is imported on the first scoring call, not on import (start-up); then cached.
    kernels = sys.modules.get("leanxl.kernels.scoring")
    if kernels is None:
        from leanxl.kernels import scoring as kernels
    return kernels
