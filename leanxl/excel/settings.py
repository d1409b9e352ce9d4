"""xlwings Server settings: the project folder (``.env`` and the LEANXL functions module).

No xlwings import here: the server set-up uses this without an xlwings licence key.  The
classic add-in's settings are the template's ``xlwings.conf`` sheet
(:mod:`leanxl.sheets.xlwings_conf`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

#: Excel shows the Office.js functions (xlwings Server and Lite) as ``LEANXL.<NAME>``; for the
#: server the add-in manifest carries it, Lite takes it from the decorator.
NAMESPACE = "LEANXL"
_IMPORT_LINE = "from leanxl.excel.server import *  # noqa: F401,F403 - the LEANXL.* functions\n"
_DOTENV = f"""\
# xlwings Server settings for the LEANXL functions (written by leanxl).
# Required. "noncommercial" is accepted for noncommercial use only;
# commercial use needs a paid xlwings PRO licence key.
# XLWINGS_LICENSE_KEY="noncommercial"
# "prod": Excel shows LEANXL.FIT (other environments add a suffix: LEANXL_DEV.FIT).
XLWINGS_ENVIRONMENT="prod"
XLWINGS_FUNCTIONS_NAMESPACE="{NAMESPACE}"
"""
_NAMESPACE_LINE = re.compile(r"^#?\s*XLWINGS_FUNCTIONS_NAMESPACE=.*$", re.M)


def write_server_project(directory: str | os.PathLike[str]) -> Path:
    """Make an xlwings Server project folder serve the LEANXL functions.

    Works on an empty folder or on one made by ``xlwings-server init``: adds the import of
    :mod:`leanxl.excel.server` to ``custom_functions/__init__.py`` (keeping what is there),
    creates ``custom_scripts/__init__.py`` if missing (``xlwings-server run`` wants both), and
    sets ``XLWINGS_FUNCTIONS_NAMESPACE="LEANXL"`` in ``.env`` (a new ``.env`` also gets
    ``XLWINGS_ENVIRONMENT="prod"`` and a commented licence line).  Running it twice changes
    nothing.

    Parameters
    ----------
    directory:
        The project folder (``XLWINGS_PROJECT_DIR``); created if needed.

    Returns
    -------
    Path
        The project folder.
    """
    root = Path(directory)
    functions_init = root / "custom_functions" / "__init__.py"
    scripts_init = root / "custom_scripts" / "__init__.py"
    for init in (functions_init, scripts_init):
        init.parent.mkdir(parents=True, exist_ok=True)
    text = functions_init.read_text(encoding="utf-8") if functions_init.exists() else ""
    if "leanxl.excel.server" not in text:
        if text and not text.endswith("\n"):
            text += "\n"
        functions_init.write_text(text + _IMPORT_LINE, encoding="utf-8")
    if not scripts_init.exists():
        scripts_init.write_text('"""Custom scripts (LEANXL needs none)."""\n', encoding="utf-8")
    dotenv = root / ".env"
    if not dotenv.exists():
        dotenv.write_text(_DOTENV, encoding="utf-8")
    else:
        env = dotenv.read_text(encoding="utf-8")
        line = f'XLWINGS_FUNCTIONS_NAMESPACE="{NAMESPACE}"'
        if _NAMESPACE_LINE.search(env):
            env = _NAMESPACE_LINE.sub(line, env, count=1)
        else:
            env = env + ("" if env.endswith("\n") else "\n") + line + "\n"
        dotenv.write_text(env, encoding="utf-8")
    return root
