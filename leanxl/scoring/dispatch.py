"""Which kernel runs a scoring call: numba's or numpy's (chosen in
:mod:`leanxl.kernels.backend`, imported on first use) and the weights' dtype they sum in.
Serial vs parallel is decided by :func:`leanxl.kernels.parallel.use_parallel` (the rules
kernels have their own threshold in the same module); each kernel module says how many chunks
(``chunks()``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from leanxl.kernels import backend
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


def scoring_kernels(n_rows: int | None = None) -> Any:
    """The module of scoring kernels for a call on ``n_rows`` leads, numba's or numpy's
    (:func:`leanxl.kernels.backend.scoring_kernels`)."""
    return backend.scoring_kernels(n_rows)
