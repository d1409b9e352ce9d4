"""Benchmark ``leanxl refresh`` against writing the same Leads cells with openpyxl alone.

    python bench/refresh.py                 # 1k, 10k, 100k leads
    python bench/refresh.py --sizes 1000 10000 --repeat 3
    python bench/refresh.py --sizes 1000 100000 1048575   # up to a full Leads sheet

Each measurement runs in its own process (time from the call to the file on disk; peak memory
= the process' ru_maxrss, which includes the interpreter and imported libraries). The inputs
are the sample generator's leads (examples/make_sample.py) written to CSV first.

* leanxl: ``refresh(template, leads.csv, out=...)``: read + check the CSV, score every lead
  (fit, best profile, match, segment, mix, decision), rewrite every sheet, formulas *with*
  cached values.
* openpyxl: the same Leads cells (CRM values and the seven formula columns) written with
  openpyxl into a new workbook and saved; formulas only, because openpyxl cannot store a
  cached value; the scoring is done before the clock starts.  So the baseline does less.
  Above ``--baseline-max`` leads (default 100k) it is not run: at a full sheet openpyxl
  would need minutes and > 10 GB.

Every child runs under an address-space cap (``--cap-gb``, default 6) so a mistake cannot
take a shared machine's memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_csv(n: int, folder: Path) -> Path:
    sys.path.insert(0, str(ROOT / "examples"))
    from make_sample import make_leads

    path = folder / f"leads-{n}.csv"
    if not path.exists():
        make_leads(n).to_csv(path, index=False)
    return path


def child(mode: str, csv: Path, template: Path, out: Path) -> dict[str, float]:
    """One measurement (run in a fresh process)."""
    if mode == "leanxl":
        from leanxl.sheets.refresh import refresh

        start = time.perf_counter()
        result = refresh(template, str(csv), out=out, progress=False)
        seconds = time.perf_counter() - start
        stages = {k: round(v, 3) for k, v in result.seconds.items()}
    else:
        from openpyxl import Workbook, load_workbook

        from leanxl.sheets import leads as L
        from leanxl.sheets.refresh import read_book
        from leanxl.sources import clean_leads, read_source

        frame = clean_leads(read_source(str(csv)), str(csv))
        wb0 = load_workbook(template)
        data = read_book(wb0)
        layout = L.make_layout(frame)
        scored = L.score_leads(frame, layout, data)
        formulas = L.formulas(layout, scored.output)
        columns = []
        for key, kind in zip(layout.keys, layout.kinds, strict=True):
            if kind == "formula":
                columns.append(("f", formulas[key]))
            else:
                values = frame[key].astype(object).where(frame[key].notna(), None).tolist()
                columns.append(("v", values))
        start = time.perf_counter()
        wb = Workbook()
        ws = wb.active
        ws.append(layout.headers)
        for i in range(len(frame)):
            r = i + 2
            ws.append([("=" + c.format(r=r)) if kind == "f" else c[i] for kind, c in columns])
        wb.save(out)
        seconds = time.perf_counter() - start
        stages = {}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak = usage.ru_maxrss / 1024  # KiB -> MiB on Linux
    # CPU seconds of the whole process (both threads, imports included): on a shared, loaded
    # machine a steadier figure than the wall clock.
    cpu = usage.ru_utime + usage.ru_stime
    return {"seconds": seconds, "peak_mib": peak, "bytes": out.stat().st_size,
            "process cpu": round(cpu, 2), **stages}


CAP_GB = 6.0


def _cap() -> None:
    limit = int(CAP_GB * 1024**3)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run(mode: str, csv: Path, template: Path, out: Path) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", mode, str(csv), str(template), str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True,
                          preexec_fn=_cap)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per size (median shown); "
                        "100k and more run once")
    parser.add_argument("--baseline-max", type=int, default=100000,
                        help="largest size the openpyxl baseline runs at")
    parser.add_argument("--cap-gb", type=float, default=CAP_GB,
                        help="address-space cap of each measured process")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    globals()["CAP_GB"] = args.cap_gb
    if args.child:
        mode, csv, template, out = args.child
        print(json.dumps(child(mode, Path(csv), Path(template), Path(out))))
        return

    from leanxl.sheets.template import build_template

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        template = build_template(folder / "template.xlsx")
        # Warm the numba cache once so no measurement pays for compilation.
        run("leanxl", make_csv(1000, folder), template, folder / "warm.xlsx")
        print(f"machine: {os.cpu_count()} cores (shared with other work while measured), load "
              "average " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
        print(f"{'leads':>8} {'leanxl s':>9} {'peak MiB':>9} {'openpyxl s':>11} {'peak MiB':>9}"
              f" {'speed-up':>9}  leanxl stages (s)")
        for n in args.sizes:
            csv = make_csv(n, folder)
            reps = 1 if n >= 100000 else args.repeat
            ours = [run("leanxl", csv, template, folder / "ours.xlsx") for _ in range(reps)]
            base = ([run("openpyxl", csv, template, folder / "base.xlsx") for _ in range(reps)]
                    if n <= args.baseline_max else [])
            t_ours = statistics.median(r["seconds"] for r in ours)
            stages = {k: v for k, v in ours[-1].items()
                      if k not in ("seconds", "peak_mib", "bytes", "total")}
            if base:
                t_base = statistics.median(r["seconds"] for r in base)
                baseline = (f"{t_base:>11.2f} {max(r['peak_mib'] for r in base):>9.0f} "
                            f"{t_base / t_ours:>8.1f}x")
            else:
                baseline = f"{'-':>11} {'-':>9} {'-':>9}"
            print(f"{n:>8} {t_ours:>9.2f} {max(r['peak_mib'] for r in ours):>9.0f} "
                  f"{baseline}  " + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()),
                  flush=True)
        print("load average (1, 5, 15 min) at the end: "
              + ", ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
