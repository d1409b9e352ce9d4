"""The UNO component LibreOffice loads: one method per LEANXL function, for Calc cells.

Runs inside LibreOffice's own Python (``uno``/``unohelper`` exist only there; on Debian the
system ``python3`` with ``python3-numpy``), found through the extension's ``pythonpath/``.
The class is built from the registry: each ``LEANXL_*`` method converts Calc's arguments,
calls the registry function and returns one value or an array (:mod:`.cells`).  A bug never
reaches Calc as an exception (which shows a bare ``#VALUE!``): it is logged and the cell gets
``#VALUE!`` all the same.  The interface ``org.leanxl.calc.XFunctions`` comes from the type
library shipped in the extension.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

import unohelper
from com.sun.star.lang import (
    XLocalizable,
    XServiceInfo,
    XServiceName,
)
from com.sun.star.sheet import XAddIn
from org.leanxl.calc import XFunctions

from leanxl.calc.cells import error_double, log_errors, to_calc, to_rows
from leanxl.calc.names import (
    CATEGORY,
    IMPLEMENTATION,
    SERVICE,
    functions,
    method_name,
)
from leanxl.errors import VALUE
from leanxl.functions import SheetFunction

logger = logging.getLogger(__name__)
if os.environ.get("LEANXL_CALC_LOG"):  # LibreOffice shows no Python log: a file on request
    logging.basicConfig(filename=os.environ["LEANXL_CALC_LOG"], level=logging.INFO)
_BY_METHOD = {method_name(fn): fn for fn in functions()}


def _method(fn: SheetFunction) -> Callable[..., Any]:
    def call(self: Any, *args: Any) -> Any:
        try:
            rows = fn.impl(*(to_rows(a) for a in args))
        except Exception:  # Calc must get a value; the log gets the traceback
            logger.exception("%s failed", fn.excel_name)
            return error_double(VALUE)
        log_errors(fn.excel_name, rows)
        return to_calc(rows)

    call.__name__ = method_name(fn)
    call.__doc__ = fn.help
    return call


class Functions(unohelper.Base, XFunctions, XAddIn, XServiceName, XServiceInfo, XLocalizable):
    """The add-in: ``LEANXL_*`` methods plus what Calc asks an add-in about itself."""

    def __init__(self, ctx: Any = None) -> None:
        self.ctx = ctx
        self.locale: Any = None

    # XServiceName, XServiceInfo
    def getServiceName(self) -> str:  # noqa: N802 - UNO names
        return SERVICE

    def getImplementationName(self) -> str:  # noqa: N802
        return IMPLEMENTATION

    def supportsService(self, name: str) -> bool:  # noqa: N802
        return name in self.getSupportedServiceNames()

    def getSupportedServiceNames(self) -> tuple[str, ...]:  # noqa: N802
        return ("com.sun.star.sheet.AddIn", SERVICE)

    # XLocalizable
    def setLocale(self, locale: Any) -> None:  # noqa: N802
        self.locale = locale

    def getLocale(self) -> Any:  # noqa: N802
        return self.locale

    # XAddIn: Calc reads CalcAddIns.xcu first; these serve hosts that ask the add-in.
    def getProgrammaticFuntionName(self, display: str) -> str:  # noqa: N802 - UNO's typo
        return display.upper() if display.upper() in _BY_METHOD else ""

    def getDisplayFunctionName(self, name: str) -> str:  # noqa: N802
        return name

    def getFunctionDescription(self, name: str) -> str:  # noqa: N802
        fn = _BY_METHOD.get(name)
        return fn.help if fn else ""

    def getDisplayArgumentName(self, name: str, index: int) -> str:  # noqa: N802
        fn = _BY_METHOD.get(name)
        return fn.params[index].name if fn and 0 <= index < len(fn.params) else ""

    def getArgumentDescription(self, name: str, index: int) -> str:  # noqa: N802
        fn = _BY_METHOD.get(name)
        return fn.params[index].help if fn and 0 <= index < len(fn.params) else ""

    def getProgrammaticCategoryName(self, name: str) -> str:  # noqa: N802
        return CATEGORY

    def getDisplayCategoryName(self, name: str) -> str:  # noqa: N802
        return CATEGORY


for _fn in functions():
    setattr(Functions, method_name(_fn), _method(_fn))


g_ImplementationHelper = unohelper.ImplementationHelper()
g_ImplementationHelper.addImplementation(
    Functions, IMPLEMENTATION, ("com.sun.star.sheet.AddIn", SERVICE))
