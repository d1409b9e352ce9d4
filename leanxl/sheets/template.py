"""Build ``leanxl/data/leanxl-template.xlsx``: the workbook sales ops open and leanxl refreshes.

    python -m leanxl.sheets.template [OUT.xlsx]

The sample profiles, campaigns, rules, KPIs and internal-customer map come from the packaged
sample (``leanxl/data/sample/``); the Leads sheet is empty until the first ``leanxl refresh``.
``workbook/leanxl-template.xlsx`` in the repository is a link to the packaged template.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from leanxl.csvfiles import read_grid
from leanxl.data import TEMPLATE_NAME, package_file, sample_path
from leanxl.sheets import book as B
from leanxl.sheets import leads as L
from leanxl.sheets import refresh as R
from leanxl.sheets.about import write_about, write_factors
from leanxl.sheets.book import BookData, Cache, Settings
from leanxl.sheets.xlwings_conf import conf_rows
from leanxl.sources import (
    clean_actuals,
    clean_campaigns,
    clean_kpis,
    clean_profiles,
    read_source,
)
from leanxl.xlsx.cached_values import write_cached_values


def sample_data() -> BookData:
    """The template's starting content, from the packaged sample files."""
    def csv(name: str) -> pd.DataFrame:
        return read_source(str(sample_path(name)), text=True)

    block = [[_cell(v) for v in row] for row in read_grid(sample_path("rules.csv"))]
    return BookData(
        settings=Settings(),
        profiles=clean_profiles(csv("profiles.csv"), str(sample_path("profiles.csv"))),
        campaigns=clean_campaigns(csv("campaigns.csv"), str(sample_path("campaigns.csv"))),
        kpis=clean_kpis(read_source(str(sample_path("kpi_definitions.csv"))),
                        str(sample_path("kpi_definitions.csv"))),
        actuals=clean_actuals(read_source(str(sample_path("kpis.csv"))),
                              str(sample_path("kpis.csv"))),
        internal=csv("internal_customers.csv")[list(B.INTERNAL_FIELDS)],
        rules=block,
        xlwings_conf=_xlwings_conf(),
    )


def _cell(text: str | None) -> object:
    """A CSV cell as a user would have typed it into Excel: numbers become numbers."""
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() else number


def _xlwings_conf() -> list[tuple[str, str]]:
    return [(str(k), str(v)) for k, v in conf_rows()]


def build_template(out: str | os.PathLike[str] | None = None,
                   data: BookData | None = None) -> Path:
    """Write the template workbook (formulas with cached values); return its path.

    Parameters
    ----------
    out:
        Where to write; the packaged template (``leanxl/data/leanxl-template.xlsx``) when None.
    data:
        The starting content; the packaged sample when None.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    out = Path(out) if out is not None else package_file(TEMPLATE_NAME)
    data = data or sample_data()
    wb = Workbook()
    first = wb.active
    first.title = B.ABOUT
    for title in B.SHEET_ORDER[1:]:
        wb.create_sheet(title)
    write_about(wb[B.ABOUT])
    write_factors(wb[B.FACTORS_SHEET])
    frame = R.empty_leads()
    layout = L.make_layout(frame)
    cache = Cache()
    R.write_all(wb, data, frame.assign(**{k: pd.Series(dtype=object) for k, _h, _f in
                                          L.COMPUTED}), cache)
    R.prepare_leads_sheet(wb, layout, 0)
    wb[B.XLWINGS].sheet_state = "visible"
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".leanxl-", suffix=".xlsx", dir=out.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        write_cached_values(tmp, out, cache.values)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return out


if __name__ == "__main__":
    path = build_template(sys.argv[1] if len(sys.argv) > 1 else None)
    print(f"wrote {path}")
