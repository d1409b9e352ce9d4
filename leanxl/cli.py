"""The ``leanxl`` command: demo | warmup | refresh | recalc | check | audit.

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


def _add_warmup(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("warmup", help="compile every kernel once and cache it on disk")
    p.set_defaults(handler=_run_warmup)


def _run_warmup(args: argparse.Namespace) -> int:
    import time

    from leanxl.kernels.warmup import warmup

    start = time.perf_counter()
    names = warmup()
    print(f"compiled and cached {len(names)} kernels in {time.perf_counter() - start:.1f} s")
    return 0


def _add_refresh(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "refresh", help="fill a leanxl workbook from a CRM export or a database",
        description="Fill the templated sheets of BOOK from the sources; everything else in "
        "the workbook is kept. Computed cells hold LEANXL formulas with their values.")
    p.add_argument("book", help="the workbook (.xlsx or .xlsm) made from the leanxl template")
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leanxl", description="Lean sales rules engine for spreadsheets"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_demo(sub)
    _add_warmup(sub)
    _add_refresh(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except LeanxlError as exc:
        print(f"leanxl {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
