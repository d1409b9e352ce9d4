"""Benchmark ``leanxl recalc`` against LibreOffice and pycel on the same books.

Books of N lead rows: ten factors, ``LEANXL_FIT`` and ``LEANXL_DECIDE`` columns, and standard
formulas that read them (IF, VLOOKUP, INDEX/MATCH, SUMPRODUCT, COUNTIF, AVERAGEIF).  The
*twin* of a book has the same standard formulas, with the leanxl columns replaced by equivalent
standard formulas (FIT as SUMPRODUCT, DECIDE as nested IFs).

* leanxl: ``python -m leanxl recalc BOOK -o OUT`` (a cold process: imports, LibreOffice
  start-up, everything);
* LibreOffice: ``soffice --convert-to xlsx`` of the twin with a profile that forces a full
  recalculation on load (cold start too) — LibreOffice's own time for the same numbers;
* pycel: load the twin and evaluate every formula cell (1k rows only: 10k takes ~50 s, 1 GB).

Memory is the peak of the *sum* of the resident sizes of the process tree (Python, the UNO
worker and soffice), sampled every 20 ms, plus the largest single process.

Warm: one child process starts one LibreOffice engine and reuses it (a batch worker, a
server): leanxl's whole recalc of the book on it vs LibreOffice loading, fully recalculating
and saving the twin through the same UNO bridge (best of 3 after a warm-up round).

Run:  .venv/bin/python bench/recalc.py [--rows 1000 10000 100000] [--batch 200]
      .venv/bin/python bench/recalc.py --full   (1,048,575 leads, cold, under memory caps)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
import psutil
from openpyxl.workbook.defined_name import DefinedName

ROOT = Path(__file__).resolve().parents[1]
KEYS = ["buyer_maturity", "buyer_knowledge", "buyer_influence", "company_size",
        "product_complexity", "interest", "availability", "price_sensitivity", "competition",
        "purchase_history"]
TABLE = [["DECISION Qualify", "FIRST", None],
         ["IN buyer_maturity", "IN buyer_influence", "OUT status"],
         ["<=2", "<=2", "Qualified"],
         ["[3..4]", "-", "Nurture"],
         ["-", "-", "Disqualified"]]
FORCE_RECALC_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


# The same, plus the setting leanxl's engine profile carries: LibreOffice 7.2+ runs ≈ 100
# graphics render tests at every start of a profile that has not recorded its version, which a
# headless soffice never does (≈ 1 s a start).  LibreOffice "tuned" below is LibreOffice's own
# time without them: what a user who knew the trick would get from --convert-to.
TUNED_XCU = FORCE_RECALC_XCU.replace("</oor:items>", (
    '<item oor:path="/org.openoffice.Setup/Product">\n'
    '<prop oor:name="ooSetupLastVersion" oor:op="fuse"><value>99.9</value></prop></item>\n'
    "</oor:items>"))


def build(path: Path, n: int, twin: bool, seed: int = 1) -> int:
    """Write a book of ``n`` leads; returns its number of formula cells.

    openpyxl's write-only mode: a full sheet (1,048,575 leads) streams out in bounded memory.
    """
    rng = random.Random(seed)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Leads")
    ws.append(["id", *KEYS, "fit", "decision", "hot", "band", "band2", "weighted"])
    for r in range(2, n + 2):
        if twin:
            fit = f"=100*(1-SUMPRODUCT(Weights,B{r}:K{r}-1)/(SUM(Weights)*4))"
            decide = (f'=IF(AND(B{r}<=2,D{r}<=2),"Qualified",'
                      f'IF(AND(B{r}>=3,B{r}<=4),"Nurture","Disqualified"))')
        else:
            fit = f"=LEANXL_FIT(B{r}:K{r},Weights)"
            decide = f"=LEANXL_DECIDE(Rules!$A$1:$C$5,B{r}:K{r},$B$1:$K$1)"
        ws.append([r - 1, *[rng.randint(1, 5) for _ in range(10)], fit, decide,
                   f'=IF(L{r}>=60,"hot","cold")',
                   f"=VLOOKUP(L{r},Settings!$A$2:$B$5,2,TRUE)",
                   f"=INDEX(Settings!$B$2:$B$5,MATCH(L{r},Settings!$A$2:$A$5,1))",
                   f"=SUMPRODUCT(B{r}:K{r},Weights)"])
    rules = wb.create_sheet("Rules")
    for row in TABLE:
        rules.append(row)
    s = wb.create_sheet("Settings")
    last = n + 1
    s.append(["from", "band", None, *[1 + i % 3 for i in range(10)]])  # D1:M1 = Weights
    s.append([0, "D"])
    s.append([40, "C", None, f'=COUNTIF(Leads!M2:M{last},"Qualified")'])
    s.append([60, "B", None, f'=COUNTIF(Leads!N2:N{last},"hot")'])
    s.append([80, "A", None, f'=AVERAGEIF(Leads!N2:N{last},"hot",Leads!L2:L{last})'])
    wb.defined_names["Weights"] = DefinedName("Weights", attr_text="Settings!$D$1:$M$1")
    wb.save(path)
    return 6 * n + 3


def measure(cmd: list[str], cwd: Path | None = None,
            extra: dict[str, float] | None = None) -> tuple[float, float, float, float]:
    """Wall seconds, peak memory of the process tree (MB), largest single process (MB), and
    the peak of the tree's summed samples alone (MB).  ``extra`` (when given) receives the
    peak of the command's own process (``root_mb``: leanxl's Python under ``prlimit``, which
    execs it) and the CPU seconds of the tree (``cpu_s``, user + system of reaped processes).

    The tree's peak is the larger of two readings of the resident sizes sampled every 20 ms:
    the peak of their sum, and the sum of each process's own peak (an upper bound: processes
    need not peak at the same moment).  ``ru_maxrss`` is not used: for a process tree it is
    the largest single process, not the sum.
    """
    start = time.perf_counter()
    cpu0 = os.times()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's leanxl, not an installed one
    proc = psutil.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                        stderr=subprocess.PIPE)
    peak_total = 0
    peaks: dict[int, int] = {}
    while proc.poll() is None:
        total = 0
        try:
            procs = [proc, *proc.children(recursive=True)]
        except psutil.Error:
            procs = [proc]
        for p in procs:
            try:
                rss = p.memory_info().rss
            except psutil.Error:
                continue
            total += rss
            peaks[p.pid] = max(peaks.get(p.pid, 0), rss)
        peak_total = max(peak_total, total)
        time.sleep(0.02)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-500:]}")
    summed = peak_total
    peak_total = max(peak_total, sum(peaks.values()))
    if extra is not None:
        cpu1 = os.times()
        extra["root_mb"] = peaks.get(proc.pid, 0) / 2**20
        extra["cpu_s"] = (cpu1.children_user - cpu0.children_user
                          + cpu1.children_system - cpu0.children_system)
    return (wall, peak_total / 2**20, max(peaks.values(), default=0) / 2**20,
            summed / 2**20)


def warm_child(books: list[str]) -> None:
    """In a child process: one LibreOffice engine reused, as in a batch worker or a server.

    For each (leanxl book, twin): leanxl's whole recalc on the running engine (scan, load,
    leanxl passes, typed results, write-back) vs LibreOffice's own work on the twin through the
    same engine (load, full recalculation, save as xlsx).  Best of 3 each, printed as JSON.
    """
    import json

    from leanxl.recalc import recalc_workbook
    from leanxl.recalc.engine import LibreOfficeEngine
    from leanxl.recalc.workbook import prefer_numpy_kernels

    prefer_numpy_kernels()  # as in a batch worker of `leanxl recalc`

    out = {}
    with LibreOfficeEngine() as engine:
        work = Path(tempfile.mkdtemp(prefix="leanxl-bench-warm-"))
        for i in range(0, len(books), 2):
            book, twin = books[i], books[i + 1]
            ours, theirs = [], []
            for k in range(4):  # the first round warms both up and is not counted
                t = time.perf_counter()
                report = recalc_workbook(book, work / "out.xlsx", engine=engine)
                if not report.ok:
                    raise RuntimeError(report.reason)
                t1 = time.perf_counter()
                shutil.copyfile(twin, work / "twin.xlsx")  # as engine.open copies a book
                engine._call("open", str(work / "twin.xlsx"), False)  # LibreOffice's plain load
                engine.calculate()
                engine._call("store", str(work / "twin_out.xlsx"))
                engine.close_book()
                t2 = time.perf_counter()
                if k:
                    ours.append(t1 - t)
                    theirs.append(t2 - t1)
            out[book] = (min(ours), min(theirs))
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(out))


def pycel_script(path: Path) -> str:
    return (
        "from pycel import ExcelCompiler\nimport openpyxl\n"
        "from leanxl.recalc.pyengine import fill_defined_names\n"
        f"xl = ExcelCompiler(filename={str(path)!r})\n"
        "fill_defined_names(xl)  # pycel reads an API openpyxl 3.1 removed\n"
        f"wb = openpyxl.load_workbook({str(path)!r})\n"
        "for ws in wb.worksheets:\n"
        "    for row in ws.iter_rows():\n"
        "        for c in row:\n"
        "            if c.data_type == 'f':\n"
        "                xl.evaluate(f\"'{ws.title}'!{c.coordinate}\")\n")


def full_sheet(cap_mb: int, n: int = 1_048_575) -> None:
    """A full Leads sheet: leanxl recalc vs LibreOffice on the twin, cold, time and memory.

    Every process runs under ``prlimit --as`` (a mistake cannot take the shared machine's
    memory); leanxl's LibreOffice gets the same cap through ``--engine-memory``.
    """
    soffice = shutil.which("soffice")
    prlimit = shutil.which("prlimit")
    if soffice is None or prlimit is None:
        sys.exit("the --full run needs LibreOffice and prlimit (util-linux)")
    work = Path(tempfile.mkdtemp(prefix="leanxl-bench-full-"))
    profile = work / "lo-profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(FORCE_RECALC_XCU)
    cap = [prlimit, f"--as={cap_mb << 20}"]
    print(f"machine: {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f}; "
          f"cap {cap_mb} MB of address space per process")
    book, twin = work / "full.xlsx", work / "full_twin.xlsx"
    t = time.perf_counter()
    formulas = build(book, n, twin=False)
    build(twin, n, twin=True)
    print(f"built {n:,} leads ({formulas:,} formulas) twice in {time.perf_counter() - t:.0f} s")
    mine: dict[str, float] = {}
    lo: dict[str, float] = {}
    ours = measure(cap + [sys.executable, "-m", "leanxl", "recalc", str(book), "-o",
                          str(work / "out.xlsx"), "-q", "--timeout", "0",
                          "--engine-memory", str(cap_mb)], cwd=ROOT, extra=mine)
    theirs = measure(cap + [soffice, f"-env:UserInstallation=file://{profile}", "--headless",
                            "--convert-to", "xlsx", "--outdir", str(work / "lo"), str(twin)],
                     extra=lo)
    print(f"full sheet, {n:,} leads: leanxl {ours[0]:.1f} s ({mine['cpu_s']:.0f} s CPU), "
          f"{ours[3]:.0f} MB tree (sampled sum; sum of each process's peak {ours[1]:.0f}) / "
          f"{ours[2]:.0f} MB largest / {mine['root_mb']:.0f} MB leanxl's Python; "
          f"LibreOffice on the twin {theirs[0]:.1f} s ({lo['cpu_s']:.0f} s CPU), "
          f"{theirs[3]:.0f} MB (largest {theirs[2]:.0f}); ratio {ours[0] / theirs[0]:.2f}x; "
          f"load average {os.getloadavg()[0]:.1f} at the end")
    shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, nargs="*", default=[1000, 10000])
    ap.add_argument("--batch", type=int, default=200, help="small books in the batch run")
    ap.add_argument("--batch-rows", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--pycel-max", type=int, default=1000, help="largest book given to pycel")
    ap.add_argument("--full", action="store_true",
                    help="only the full sheet: 1,048,575 leads, cold, under memory caps")
    ap.add_argument("--cap-mb", type=int, default=12000,
                    help="address-space cap of each process in the --full run (prlimit)")
    ap.add_argument("--warm-child", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.warm_child:
        warm_child(args.warm_child)
        return
    if args.full:
        full_sheet(args.cap_mb)
        return
    py = sys.executable
    soffice = shutil.which("soffice")
    if soffice is None:
        sys.exit("bench/recalc.py needs LibreOffice (scripts/setup.sh)")
    work = Path(tempfile.mkdtemp(prefix="leanxl-bench-recalc-"))
    profile = work / "lo-profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(FORCE_RECALC_XCU)
    lo = [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
          "xlsx", "--outdir"]
    tuned_profile = work / "lo-profile-tuned"
    (tuned_profile / "user").mkdir(parents=True)
    (tuned_profile / "user" / "registrymodifications.xcu").write_text(TUNED_XCU)
    tuned = [soffice, f"-env:UserInstallation=file://{tuned_profile}", "--headless",
             "--convert-to", "xlsx", "--outdir"]
    print(f"machine: {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f} "
          "(shared with other engineers: treat <1.3x as noise)")
    # warm-ups: LibreOffice's profile, numba's cache, the page cache
    build(work / "warm.xlsx", 10, twin=True)
    build(work / "warm_lx.xlsx", 10, twin=False)
    measure(lo + [str(work / "warm_out"), str(work / "warm.xlsx")])
    measure(tuned + [str(work / "warm_out"), str(work / "warm.xlsx")])
    measure([py, "-m", "leanxl", "recalc", str(work / "warm_lx.xlsx"), "-o",
             str(work / "warm_out" / "lx.xlsx"), "-q"], cwd=ROOT)

    # MB tree: the sum of each process's own peak (an upper bound); MB live: the peak of the
    # tree's summed samples (what was resident at one moment); MB max: the largest process.
    print(f"\n{'book':>10} {'formulas':>9} | {'leanxl s':>8} {'MB tree':>7} {'MB live':>7} "
          f"{'MB max':>6} | "
          f"{'LO s':>6} {'MB':>5} | {'LO tuned s':>10} | {'pycel s':>8} {'MB':>5} | "
          f"{'vs LO':>6} {'vs tuned':>8} {'vs pycel':>8}")
    pairs: list[str] = []
    for n in args.rows:
        book, twin = work / f"lx{n}.xlsx", work / f"twin{n}.xlsx"
        formulas = build(book, n, twin=False)
        build(twin, n, twin=True)
        ours = measure([py, "-m", "leanxl", "recalc", str(book), "-o",
                        str(work / f"out{n}.xlsx"), "-q"], cwd=ROOT)
        theirs = measure(lo + [str(work / "lo_out"), str(twin)])
        fast = measure(tuned + [str(work / "lo_out"), str(twin)])
        pyc = None
        if n <= args.pycel_max:
            script = work / "pycel_run.py"
            script.write_text(pycel_script(twin))
            pyc = measure([py, str(script)], cwd=ROOT)
        print(f"{n:>10} {formulas:>9} | {ours[0]:>8.2f} {ours[1]:>7.0f} {ours[3]:>7.0f} "
              f"{ours[2]:>6.0f} | "
              f"{theirs[0]:>6.2f} {theirs[1]:>5.0f} | {fast[0]:>10.2f} | "
              + (f"{pyc[0]:>8.2f} {pyc[1]:>5.0f}" if pyc else f"{'(skip)':>8} {'':>5}")
              + f" | {ours[0] / theirs[0]:>5.2f}x {ours[0] / fast[0]:>7.2f}x "
              + (f"{pyc[0] / ours[0]:>7.1f}x" if pyc else f"{'':>8}"))
        pairs += [str(book), str(twin)]

    # Warm: one engine reused (a batch worker, a server), both sides through the same bridge.
    done = subprocess.run([py, str(Path(__file__).resolve()), "--warm-child", *pairs],
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, check=True)
    warm = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"\nwarm engine (LibreOffice running; best of 3): {'book':>6} | {'leanxl s':>8} | "
          f"{'LO load+calc+save twin s':>24} | vs LO")
    for n, book in zip(args.rows, pairs[::2], strict=True):
        a, b = warm[book]
        print(f"{'':>45}{n:>6} | {a:>8.3f} | {b:>24.3f} | {a / b:.2f}x")

    folder = work / "batch"
    folder.mkdir()
    twins = work / "batch_twins"
    twins.mkdir()
    for i in range(args.batch):
        build(folder / f"b{i:03d}.xlsx", args.batch_rows, twin=False, seed=i)
        build(twins / f"b{i:03d}.xlsx", args.batch_rows, twin=True, seed=i)
    ours = measure([py, "-m", "leanxl", "recalc", str(folder), "--out-dir", str(work / "bout"),
                    "--jobs", str(args.jobs), "-q"], cwd=ROOT)
    theirs = measure(lo + [str(work / "blo")] + sorted(str(p) for p in twins.iterdir()))
    print(f"\nbatch of {args.batch} books x {args.batch_rows} rows: leanxl --jobs {args.jobs} "
          f"{ours[0]:.1f} s ({1000 * ours[0] / args.batch:.0f} ms/book, {ours[1]:.0f} MB tree); "
          f"LibreOffice one convert-to run {theirs[0]:.1f} s "
          f"({1000 * theirs[0] / args.batch:.0f} ms/book); ratio {ours[0] / theirs[0]:.2f}x")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
