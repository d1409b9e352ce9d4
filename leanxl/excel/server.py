"""xlwings Server / Office.js custom functions: the registry as ``LEANXL.FIT`` and so on.

Optional extra: ``pip install leanxl[server]``.  xlwings Server imports its functions from a
module named ``custom_functions`` in its project directory (``XLWINGS_PROJECT_DIR``, default
the working directory); :func:`leanxl.excel.settings.write_server_project` adds
``from leanxl.excel.server import *`` to it.  The namespace ``LEANXL`` comes from the add-in
manifest (``XLWINGS_FUNCTIONS_NAMESPACE=LEANXL``), so the functions here are named ``FIT``,
``MATCH`` ... and Excel shows ``LEANXL.FIT``.

Licence: ``xlwings.server`` refuses to import without ``XLWINGS_LICENSE_KEY``;
``noncommercial`` is accepted for noncommercial use only — commercial use needs a paid
xlwings PRO key.  The decorators are taken from ``xlwings.server`` directly, so they work
whether or not ``XLWINGS_ON_SERVER=true`` was set before xlwings was first imported (with
``xw.func`` they would silently do nothing).

Errors come back as real Excel errors (``#N/A``, ``#VALUE!``, ``#NUM!``) on Office.js
custom-functions runtime >= 1.4; the reason is in the server log (``LEANXL.EXPLAIN`` tells why
a decision table gave what it gave).  The functions are built by
:func:`leanxl.excel.officejs.officejs_functions`, shared with xlwings Lite (:mod:`.lite`).
"""

from __future__ import annotations

import xlwings

try:
    import xlwings.server as xws
except (ImportError, xlwings.LicenseError) as exc:  # pragma: no cover - depends on env
    raise ImportError(
        "leanxl.excel.server needs xlwings-server and an xlwings licence key: "
        "pip install 'leanxl[server]' and set XLWINGS_LICENSE_KEY (\"noncommercial\" for "
        f"noncommercial use; commercial use needs a paid key). Cause: {exc}"
    ) from exc

from leanxl.excel.officejs import officejs_functions

if "officejs" not in xlwings.engines.engines_by_name:  # pragma: no cover - depends on env
    raise ImportError(
        "xlwings was imported before XLWINGS_LICENSE_KEY was set, so its Office.js engine is "
        "missing: set the key in the environment before Python starts"
    )

_FUNCTIONS = officejs_functions(__name__, xws.func, xws.arg)
__all__ = list(_FUNCTIONS)
globals().update(_FUNCTIONS)
