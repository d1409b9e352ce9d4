"""The ``leanxl`` command: demo | new | warmup | refresh | recalc | check | audit.

Each command imports what it needs when it runs, so ``leanxl --help`` starts fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from leanxl.errors import LeanxlError


def _add_demo(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="build the sample workbook from the shipped sample data")
    p.add_argument("-o", "--output", default="out/leanxl-demo.xlsx", help="where to write it")
    p.set_defaults(handler=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from leanxl.demo import run_demo

    return run_demo(args)


def _add_new(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "new", help="write a fresh workbook from the leanxl template",
        description="Write BOOK (.xlsx, or .xlsm for macros) from the template packaged with "
        "leanxl, ready for: leanxl refresh BOOK --leads crm.csv")
    p.add_argument("book", help="the workbook to create (.xlsx or .xlsm)")
    p.add_argument("--force", action="store_true", help="replace BOOK if it exists")
    p.set_defaults(handler=_run_new)


def _run_new(args: argparse.Namespace) -> int:
    import shlex

    from leanxl.sheets.new_book import new_book

    path = new_book(args.book, force=args.force)
    print(f"wrote {path}; fill it with: leanxl refresh {shlex.quote(str(path))} --leads crm.csv")
    return 0


def _add_warmup(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("warmup", help="compile every kernel once and cache it on disk")
    p.set_defaults(handler=_run_warmup)


def _run_warmup(args: argparse.Namespace) -> int:
    import time

    from leanxl.kernels.backend import backend_name
    from leanxl.kernels.warmup import warmup

    if backend_name() == "numpy":  # no numba here (Pyodide, LibreOffice's Python) or forced
        print("numba is not available here: leanxl computes with its numpy kernels, "
              "nothing to compile")
        return 0
    from leanxl.sheets.warm import warm_refresh

    start = time.perf_counter()
    names = warmup()
    print(f"compiled and cached {len(names)} kernels in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    leads = warm_refresh()  # the signatures a CSV refresh really passes
    seconds = time.perf_counter() - start
    print(f"refreshed a sample book ({leads:,} leads in all) in {seconds:.1f} s")
    return 0


def _add_recalc(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "recalc", help="recalculate workbooks headless: leanxl calls and standard formulas",
        description="Recompute every formula of .xlsx/.xlsm workbooks (leanxl calls with "
        "leanxl's kernels, standard formulas with LibreOffice) and write each formula back "
        "with its fresh cached value. Inputs are never modified unless --in-place.")
    p.add_argument("inputs", nargs="+", metavar="IN", help="workbooks, folders or globs")
    where = p.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", help="output workbook (one input)")
    where.add_argument("--out-dir", help="write each workbook under its own name here")
    where.add_argument("--in-place", action="store_true", help="overwrite the inputs")
    p.add_argument("--jobs", type=int, default=1, help="local worker processes (default 1)")
    p.add_argument("--engine", choices=("libreoffice", "python"), default=None,
                   help="standard-formula engine (default: LibreOffice when installed)")
    dask = p.add_mutually_exclusive_group()
    dask.add_argument("--scheduler", help="run on a Dask cluster: tcp://host:8786")
    dask.add_argument("--local-cluster", type=int, metavar="N",
                      help="run on a local Dask cluster of N workers")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar, failures only")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="LibreOffice's time per file, start-up included; a stuck engine is "
                   "killed, the file retried once, then reported failed (default "
                   "$LEANXL_TIMEOUT or 300; 0 = none)")
    p.add_argument("--engine-memory", type=float, default=None, metavar="MB",
                   help="address-space cap of each LibreOffice (default "
                   "$LEANXL_ENGINE_MEMORY_MB or 4096; 0 = none)")
    p.set_defaults(handler=_run_recalc)


def _run_recalc(args: argparse.Namespace) -> int:
    from leanxl.recalc.engine import start_early, stop_early
    from leanxl.recalc.processes import stop_on_signals

    def report_line(r: object) -> None:  # as each file finishes, not at the end
        ok = getattr(r, "ok", False)
        if not args.quiet or not ok:
            print(r.line(), file=sys.stdout if ok else sys.stderr,  # type: ignore[attr-defined]
                  flush=True)

    with stop_on_signals():  # a signal from here on also stops the early engine
        if (args.jobs <= 1 and args.scheduler is None and args.local_cluster is None
                and args.engine != "python"):
            start_early(args.engine_memory)  # LibreOffice starts while the rest is imported
        try:
            from leanxl.recalc import recalc_workbooks
            from leanxl.recalc.workbook import numpy_kernels

            with numpy_kernels():  # recalc only: numba would cost 0.8 s and 140 MB for no gain
                reports = recalc_workbooks(
                    args.inputs, output=args.output, out_dir=args.out_dir,
                    in_place=args.in_place, jobs=args.jobs, engine=args.engine,
                    scheduler=args.scheduler, local_cluster=args.local_cluster,
                    progress=not args.quiet and sys.stderr.isatty(), on_report=report_line,
                    timeout=args.timeout, memory_mb=args.engine_memory)
        finally:
            stop_early()
    failed = [r for r in reports if not r.ok]
    print(f"{len(reports) - len(failed)} of {len(reports)} workbooks recalculated"
          + (f", {len(failed)} failed" if failed else ""), file=sys.stderr)
    return 1 if failed else 0


def _add_refresh(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "refresh", help="fill a leanxl workbook from a CRM export or a database",
        description="Fill the templated sheets of BOOK from the sources; everything else in "
        "the workbook is kept. Computed cells hold LEANXL formulas with their values.")
    p.add_argument("book", help="the workbook (.xlsx or .xlsm) made by `leanxl new`")
    p.add_argument("--leads", required=True,
                   help="CRM export: .csv, .xlsx, .parquet, or a database URL "
                   "(sqlite:///crm.db) with --query or --table")
    p.add_argument("--query", help="SQL query for a database --leads source")
    p.add_argument("--table", help="table name for a database --leads source")
    p.add_argument("--campaigns", help="campaigns (code, name, channel, factor targets)")
    p.add_argument("--profiles", help="profiles (profile, factor targets, description, ...)")
    p.add_argument("--kpis", help="KPI actuals: kpi, period, actual (or one column per period)")
    p.add_argument("-o", "--output", help="write here instead of replacing BOOK")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(handler=_run_refresh)


def _run_refresh(args: argparse.Namespace) -> int:
    from leanxl.sheets.refresh import refresh

    result = refresh(args.book, args.leads, campaigns=args.campaigns, kpis=args.kpis,
                     profiles=args.profiles, out=args.output, query=args.query,
                     table=args.table, progress=False if args.no_progress else None)
    print(f"refreshed {result.path}: {result.leads} leads in {result.seconds['total']:.1f} s")
    return 0


def _add_check(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="check the decision tables of a workbook: syntax, "
                       "overlaps, conflicts, gaps, unreachable rules, examples")
    p.add_argument("book", help="an .xlsx/.xlsm workbook (every DECISION block) or a .csv table")
    p.add_argument("--strict", action="store_true",
                   help="also fail on warnings (gaps, unreachable rules)")
    p.add_argument("--max", type=int, default=10, metavar="N",
                   help="findings listed per kind and table (default 10; 0 = all)")
    p.add_argument("--budget", type=float, default=30.0, metavar="SECONDS",
                   help="time the analysis of one table may take; past it, check reports "
                   "what it covered (default 30; 0 = unbounded)")
    p.set_defaults(handler=_run_check)


def _run_check(args: argparse.Namespace) -> int:
    from leanxl.rules import check
    from leanxl.rules.soundness import ERROR, Budget
    from leanxl.sheets.decision_tables import read_tables

    found = read_tables(args.book)
    failed = bool(found.errors)
    for err in found.errors:
        print(f"{err.where}: error: {err.message}"
              + (f" ({err.suggestion})" if err.suggestion else ""))
    for table in found.tables:
        findings = check(table, budget=Budget(args.budget or None))
        errors = [f for f in findings if f.severity == ERROR]
        failed = failed or bool(errors) or (args.strict and bool(findings))
        status = "ok" if not findings else f"{len(errors)} errors, " \
            f"{len(findings) - len(errors)} warnings"
        print(f"{table.where}: table {table.name} ({table.hit_policy}, {len(table.rules)} rules, "
              f"{len(table.examples)} examples): {status}")
        shown: dict[str, int] = {}
        for f in findings:
            shown[f.kind] = shown.get(f.kind, 0) + 1
            if not args.max or shown[f.kind] <= args.max:
                print(f"  {f}")
        for kind, count in shown.items():
            if args.max and count > args.max:
                print(f"  ... and {count - args.max} more {kind} findings (--max 0 lists all)")
    if not found.tables and not found.errors:
        print(f"{args.book}: no DECISION block found")
    return 1 if failed else 0


def _add_audit(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", help="count leads whose recorded decision differs from the "
                       "rules, per rule, and what deviating cost in won deals")
    p.add_argument("book", help="workbook (.xlsx/.xlsm) holding the table, or a .csv table")
    p.add_argument("--leads", required=True,
                   help="leads: .csv, .xlsx, .parquet, or a database URL (sqlite:///crm.db) "
                   "with --query or --leads-table; read exactly as refresh reads them")
    p.add_argument("--query", help="SQL query for a database --leads source")
    p.add_argument("--leads-table", help="table name for a database --leads source")
    p.add_argument("--recorded", required=True, help="column of the recorded decision")
    p.add_argument("--table", help="table name (needed when the book has several)")
    p.add_argument("--output", help="output to compare (default: the table's first)")
    p.add_argument("--show", type=int, default=10, help="deviating leads to list (default 10)")
    p.set_defaults(handler=_run_audit)


def _run_audit(args: argparse.Namespace) -> int:
    from leanxl.domain import normalize_name
    from leanxl.rules import audit, deviation_cost
    from leanxl.rules.deviation_evidence import format_cost
    from leanxl.sheets.decision_tables import pick_table, read_tables
    from leanxl.sources import read_source

    found = read_tables(args.book)
    table = pick_table(found.tables, found.errors, args.table, args.book)
    leads = read_source(args.leads, query=args.query, table=args.leads_table)
    report = audit(table, leads, args.recorded, output=args.output)
    print(report)
    by_key = {normalize_name(c): c for c in leads.columns}
    if "stage" in by_key:  # the deviation cost needs won / lost
        cost = deviation_cost(report, leads[by_key[normalize_name(args.recorded)]].tolist(),
                              leads[by_key["stage"]].tolist())
        print(format_cost(cost))
    if args.show and report.n_deviations:
        print(f"first {min(args.show, report.n_deviations)} deviating leads:")
        shown = report.deviations.head(args.show)
        first = leads.columns[0]  # usually the lead id: show it next to the row number
        shown.insert(1, first, leads.loc[shown["index"], first].to_numpy())
        print(shown.to_string(index=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leanxl", description="Lean sales rules engine for spreadsheets"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_demo(sub)
    _add_new(sub)
    _add_warmup(sub)
    _add_recalc(sub)
    _add_refresh(sub)
    _add_check(sub)
    _add_audit(sub)
    _add_libreoffice(sub)
    return parser


def _add_libreoffice(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "libreoffice", help="install or remove the LEANXL functions in LibreOffice Calc",
        description="Build leanxl's Calc extension and add it to a LibreOffice user profile "
        "(default: your own), or remove it. Close LibreOffice first.")
    p.add_argument("action", choices=("install", "uninstall"))
    p.add_argument("--profile", metavar="DIR",
                   help="LibreOffice user profile folder (default: your own profile)")
    p.set_defaults(handler=_run_libreoffice)


def _run_libreoffice(args: argparse.Namespace) -> int:
    from leanxl.calc.install import install, uninstall

    if args.action == "install":
        where = install(args.profile)
        print(f"installed the LEANXL functions into LibreOffice (profile {where})")
    else:
        where = uninstall(args.profile)
        print(f"removed the LEANXL functions from LibreOffice (profile {where})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    import logging

    parser = build_parser()
    args = parser.parse_args(argv)
    # What leanxl noticed on the way (the CSV dialect detected, dates it could not read, ...)
    # goes to stderr, one line each.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"leanxl {args.command}: %(message)s"))
    log = logging.getLogger("leanxl")
    log.addHandler(handler)
    level = log.level
    log.setLevel(logging.INFO)
    try:
        return int(args.handler(args))
    except LeanxlError as exc:
        print(f"leanxl {args.command}: {exc}", file=sys.stderr)
        signum = getattr(exc, "signum", None)  # stopped by a signal: the shell's convention
        return 128 + signum if signum else 2
    except KeyboardInterrupt as exc:
        signum = int(getattr(exc, "signum", None) or 2)  # SIGINT unless a handler said else
        print(f"leanxl {args.command}: stopped by {signal_name(signum)}; engines and "
              "temporary files removed, no output half-written", file=sys.stderr)
        return 128 + signum
    finally:
        log.removeHandler(handler)
        log.setLevel(level)


def signal_name(signum: int) -> str:
    import signal

    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


if __name__ == "__main__":
    sys.exit(main())
