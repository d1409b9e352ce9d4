"""The files leanxl carries inside its package: the workbook template and the sample CRM export.

They are found with :mod:`importlib.resources`, so they are there wherever leanxl is
installed (from its wheel, or editable from a checkout) and whatever the current folder.

    leanxl/data/leanxl-template.xlsx     the workbook ``leanxl new`` copies and ``refresh`` fills
    leanxl/data/sample/*.csv             leads, profiles, campaigns, rules, KPIs (``leanxl demo``)

``examples/make_sample.py`` regenerates ``sample/leads.csv``;
``python -m leanxl.sheets.template`` rebuilds the template.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from leanxl.errors import SourceError

TEMPLATE_NAME = "leanxl-template.xlsx"
SAMPLE_FOLDER = "sample"
SAMPLE_NAMES = ("campaigns.csv", "internal_customers.csv", "kpi_definitions.csv", "kpis.csv",
                "leads.csv", "profiles.csv", "rules.csv")


def package_file(*parts: str) -> Path:
    """Where a file of this package is (or would be), whether or not it exists.

    Parameters
    ----------
    *parts:
        Path components below ``leanxl/data``, e.g. ``("sample", "leads.csv")``.

    Returns
    -------
    pathlib.Path
        A path on the file system.

    Raises
    ------
    SourceError
        When leanxl is imported from a zip archive, whose members have no file-system path.
    """
    resource = files(__name__).joinpath(*parts)
    if not isinstance(resource, Path):
        raise SourceError("leanxl's data files are inside an archive", where=str(resource),
                          suggestion="install leanxl from its wheel with pip (not zipped)")
    return resource


def _existing(*parts: str) -> Path:
    path = package_file(*parts)
    if not path.is_file():
        raise SourceError("packaged file missing", where=str(path),
                          suggestion="reinstall leanxl: pip install --force-reinstall leanxl")
    return path


def template_path() -> Path:
    """The packaged workbook template (``leanxl-template.xlsx``).

    Returns
    -------
    pathlib.Path
        The template's path; it is read only (``leanxl new`` writes copies).

    Raises
    ------
    SourceError
        When the installation has lost the file.
    """
    return _existing(TEMPLATE_NAME)


def sample_path(name: str) -> Path:
    """A packaged sample file, by name (``"leads.csv"``, ``"profiles.csv"``, ...).

    Parameters
    ----------
    name:
        One of :data:`SAMPLE_NAMES`.

    Returns
    -------
    pathlib.Path
        The file's path.

    Raises
    ------
    SourceError
        For a name that is not a sample file, or when the installation has lost the file.
    """
    if name not in SAMPLE_NAMES:
        raise SourceError(f"no sample file {name!r}",
                          suggestion="the sample files are " + ", ".join(SAMPLE_NAMES))
    return _existing(SAMPLE_FOLDER, name)


__all__ = ["SAMPLE_NAMES", "TEMPLATE_NAME", "package_file", "sample_path", "template_path"]
