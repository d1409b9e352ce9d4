"""fit's raw-input kernel and ``leanxl.fit`` in serial CPU time against reading the bytes once.

    PYTHONPATH=$PWD .venv/bin/python bench/fit_serial.py            # N = 1e7 (~3 GB of RAM)
    PYTHONPATH=$PWD .venv/bin/python bench/fit_serial.py --save out.npz

One numba thread, process CPU time (best of 5), for each input kind of bench/inputs.py but
int8 storage: one thread reading the input's bytes; the kernel alone (``fit_columns_serial``
into an output already touched once); the API call (fresh output, diagnosis included).  The
kernel column shows what the arithmetic costs, the API column adds the first touch of the new
80 MB output.  ``--save`` keeps every result array, to compare two checkouts byte for byte
(``np.load(a)[k].tobytes() == np.load(b)[k].tobytes()``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numba
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from inputs import _buffers, _read_serial, inputs, serial_cpu  # noqa: E402

import leanxl  # noqa: E402
from leanxl.domain import FACTOR_KEYS  # noqa: E402
from leanxl.kernels import scoring as kernels  # noqa: E402
from leanxl.scoring.raw import raw_columns  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--save", help="write every input's fit to this .npz")
    args = parser.parse_args()
    numba.set_num_threads(1)
    print(f"loadavg: {Path('/proc/loadavg').read_text().split()[:3]}  N = {args.n:,}")
    print(f"{'input':28} {'read ms':>8} {'kernel ms':>10} {'ratio':>6} {'fit ms':>8} {'ratio':>6}")
    weights = np.ones(10, dtype=np.uint16)  # the default weights, as the kernels get them
    out = np.zeros(args.n)
    results = {}
    for name, data in inputs(args.n, np.random.default_rng(0)):
        if name == "int8 storage N x 10":  # not raw input: the encoding path
            continue
        words = _buffers(data)
        read = 1e3 * serial_cpu(lambda words=words: [_read_serial(w) for w in words], 5)
        raw = raw_columns(data, list(FACTOR_KEYS) if isinstance(data, pd.DataFrame) else None)
        assert raw is not None
        kernel = 1e3 * serial_cpu(lambda raw=raw: kernels.fit_columns_serial(
            raw.columns, raw.masks, weights, 5, out), 5)
        api = 1e3 * serial_cpu(lambda data=data: leanxl.fit(data), 5)
        results[name] = leanxl.fit(data)
        print(f"{name:28} {read:8.1f} {kernel:10.1f} {kernel / read:5.2f}x {api:8.1f} "
              f"{api / read:5.2f}x", flush=True)
        del data
    if args.save:
        np.savez(args.save, **results)


if __name__ == "__main__":
    main()
