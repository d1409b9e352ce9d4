"""Benchmark decision tables: leanxl's bit-set kernels vs the fit kernel, a plain-Python
interpreter and GoRules Zen, on one 20-rule x 10-input table, FIRST and COLLECT.

    .venv/bin/python bench/rules.py            # N = 1e5, 1e6, 1e7
    .venv/bin/python bench/rules.py --quick    # N = 1e5, 1e6

All baselines are measured in the same run (the machine is shared: read ratios, not times).
"""

from __future__ import annotations

import argparse
import json
import time

import numba
import numpy as np
import pandas as pd

from leanxl.domain import FACTOR_KEYS
from leanxl.kernels import rules as kr
from leanxl.kernels import scoring as ks
from leanxl.rules import load
from leanxl.rules.reference import decide

STATUSES = ["Qualified", "Nurture", "Disqualified"]


def make_cells(policy: str, n_rules: int = 20, seed: int = 3) -> list[list[object]]:
    """20 rules over the ten factors: each rule tests 2-4 factors with S-FEEL cells."""
    rng = np.random.default_rng(seed)
    header = [f"IN {k}" for k in FACTOR_KEYS] + ["OUT status {Qualified, Nurture, Disqualified}"]
    rows: list[list[object]] = []
    for r in range(n_rules - 1):
        cells: list[object] = ["-"] * len(FACTOR_KEYS)
        for j in rng.choice(len(FACTOR_KEYS), size=rng.integers(2, 5), replace=False):
            k = int(rng.integers(1, 6))
            cells[j] = rng.choice([f"<={k}", f">={k}", f"[{min(k, 3)}..{min(k, 3) + 2}]",
                                   str(k), f"{k},{6 - k}" if k != 3 else "3"])
        rows.append([*cells, STATUSES[r % 3]])
    rows.append(["-"] * len(FACTOR_KEYS) + ["Disqualified"])  # catch-all
    return [["DECISION Bench", policy], header, *rows]


def zen_decision(cells: list[list[object]], policy: str):  # type: ignore[no-untyped-def]
    """The same table as a GoRules JDM decision graph."""
    import zen

    ins = [{"id": f"i{j}", "name": k, "type": "expression", "field": k}
           for j, k in enumerate(FACTOR_KEYS)]
    outs = [{"id": "o0", "name": "status", "type": "expression", "field": "status"}]
    rules = []
    for r, row in enumerate(cells[2:]):
        rule = {"_id": f"r{r}"}
        for j in range(len(FACTOR_KEYS)):
            cell = str(row[j])
            rule[f"i{j}"] = "" if cell == "-" else cell
        rule["o0"] = json.dumps(row[-1])
        rules.append(rule)
    graph = {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "Request", "position": {"x": 0, "y": 0}},
            {"id": "dt", "type": "decisionTableNode", "name": "Bench",
             "position": {"x": 1, "y": 0},
             "content": {"hitPolicy": policy, "inputs": ins, "outputs": outs,
                         "rules": rules}},
            {"id": "out", "type": "outputNode", "name": "Response",
             "position": {"x": 2, "y": 0}},
        ],
        "edges": [{"id": "e1", "sourceId": "in", "targetId": "dt", "type": "edge"},
                  {"id": "e2", "sourceId": "dt", "targetId": "out", "type": "edge"}],
    }
    return zen.ZenEngine().create_decision(json.dumps(graph))


def best_of(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)  # the least-disturbed run: the machine is shared


def bench_size(n: int, first, collect, weights, rng) -> tuple[float, ...]:  # type: ignore[no-untyped-def]
    """Kernel and end-to-end times at N leads: fit, FIRST, COLLECT, evaluate x2."""
    codes = rng.integers(1, 6, size=(len(FACTOR_KEYS), n), dtype=np.int8)
    out_fit = np.empty(n)
    out_first = np.empty(n, np.int32)
    words = np.empty((n, 1), np.uint64)
    lut = first.compiled._lut_int8()
    lut_c = collect.compiled._lut_int8()
    reps = 7 if n < 10**7 else 3
    chunks = 4 * numba.get_num_threads()  # what leanxl.scoring.fit uses
    t_fit = best_of(lambda: ks.fit_parallel(codes, weights, 5, out_fit, chunks), reps)
    t_first = best_of(lambda: kr.first_match(codes, (lut,), out_first), reps)
    t_coll = best_of(lambda: kr.match_masks(codes, (lut_c,), words), reps)
    frame = pd.DataFrame({k: codes[j] for j, k in enumerate(FACTOR_KEYS)})
    t_eval = best_of(lambda: first.evaluate(frame), 3)
    t_eval_c = best_of(lambda: collect.evaluate(frame), 2 if n >= 10**7 else 3)
    return t_fit, t_first, t_coll, t_eval, t_eval_c


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes = [10**5, 10**6] if args.quick else [10**5, 10**6, 10**7]
    first = load(make_cells("FIRST"))
    collect = load(make_cells("COLLECT"))
    kr.warm()
    ks.warm()
    rng = np.random.default_rng(0)
    weights = np.ones(len(FACTOR_KEYS))
    print(f"table: {len(first.rules)} rules x {len(first.inputs)} inputs; "
          f"{kr.__name__} vs fit kernel, plain Python, GoRules Zen (shared 2-core machine)")

    # Per-lead baselines on a sample.
    sample = rng.integers(1, 6, size=(2000, len(FACTOR_KEYS)))
    leads = [dict(zip(FACTOR_KEYS, map(int, row), strict=True)) for row in sample]
    t_py = best_of(lambda: [decide(first, lead) for lead in leads], 3) / len(leads)
    t_py_c = best_of(lambda: [decide(collect, lead) for lead in leads], 3) / len(leads)
    zen_first = zen_decision(make_cells("FIRST"), "first")
    zen_collect = zen_decision(make_cells("COLLECT"), "collect")
    for lead in leads[:50]:  # warm both engines' first-use costs out of the timings
        zen_first.evaluate(lead)
        zen_collect.evaluate(lead)
    t_zen = best_of(lambda: [zen_first.evaluate(lead) for lead in leads[:500]], 3) / 500
    t_zen_c = best_of(lambda: [zen_collect.evaluate(lead) for lead in leads[:500]], 3) / 500
    # Sanity: Zen and leanxl agree on the sample.
    ours = first.evaluate_rows({k: sample[:500, j].tolist() for j, k in enumerate(FACTOR_KEYS)})
    theirs = [zen_first.evaluate(lead)["result"].get("status") for lead in leads[:500]]
    agree = sum(o[0] == t for o, t in zip(ours, theirs, strict=True))
    print(f"Zen agrees with leanxl on {agree}/500 sample leads (FIRST)")
    print(f"per lead: plain Python FIRST {t_py * 1e6:.1f} us, COLLECT {t_py_c * 1e6:.1f} us; "
          f"Zen FIRST {t_zen * 1e6:.1f} us, COLLECT {t_zen_c * 1e6:.1f} us")
    print()
    print(f"{'N':>9} | {'fit kern':>9} | {'FIRST kern':>10} {'x fit':>6} | {'COLL kern':>9} | "
          f"{'FIRST eval':>10} {'COLL eval':>10} | {'eval/Py':>8} {'eval/Zen':>9} "
          f"{'kern/Zen':>9}")
    for n in sizes:
        row = bench_size(n, first, collect, weights, rng)
        t_fit, t_first, t_coll, t_eval, t_eval_c = row
        per_lead = t_eval / n
        print(f"{n:>9.0e} | {t_fit * 1e3:7.1f}ms | {t_first * 1e3:8.1f}ms {t_first / t_fit:5.1f}x"
              f" | {t_coll * 1e3:7.1f}ms | {t_eval * 1e3:8.1f}ms {t_eval_c * 1e3:8.1f}ms | "
              f"{t_py / per_lead:7.0f}x {t_zen / per_lead:8.0f}x {t_zen * n / t_first:8.0f}x")
    print("\nkern = kernel on int8 factor-major leads into a reused buffer (parallel);")
    print("eval = table.evaluate(DataFrame of int8 columns) -> categorical outputs + rules;")
    print("eval/Py, eval/Zen, kern/Zen = baseline's time per lead / leanxl's time per lead "
          "(FIRST eval or FIRST kernel); best of a few runs each.")


if __name__ == "__main__":
    main()
