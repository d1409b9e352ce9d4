"""Fixtures for the xlwings host tests: xlwings' classic UDF machinery on Linux.

``xlwings.udfs`` imports pywin32 (``pythoncom``, ``pywintypes``, ``win32com.client``) at top
level and ``call_udf`` reaches into ``xlwings._xlwindows`` (COM ranges) and
``xlwings.com_server`` (its event loop).  The fixture puts minimal stand-ins for exactly those
into ``sys.modules`` and an "excel" conversion engine whose value cleaning mirrors
``xlwings._xlwindows.Engine`` (blank ``""``/None → None, COM error ints → error text, None →
``""`` on write), binds ``xw.func/arg/ret`` to the classic decorators as xlwings does on
Windows, and imports ``leanxl.excel.udfs`` fresh.  Everything is undone afterwards.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest

# COM error codes as pywin32 delivers error cells (xlwings._xlwindows.cell_errors).
COM_ERRORS = {
    -2146826281: "#DIV/0!",
    -2146826246: "#N/A",
    -2146826259: "#NAME?",
    -2146826288: "#NULL!",
    -2146826252: "#NUM!",
    -2146826265: "#REF!",
    -2146826273: "#VALUE!",
}


class StandInExcelEngine:
    """The value-cleaning half of ``xlwings._xlwindows.Engine`` (its code needs COM)."""

    name = "excel"
    type = "desktop"

    @staticmethod
    def clean_value_data(data, datetime_builder, empty_as, number_builder, err_to_str):
        def clean(value: Any) -> Any:
            if value in ("", None):
                return empty_as
            if isinstance(value, int) and not isinstance(value, bool) and value in COM_ERRORS:
                return COM_ERRORS[value] if err_to_str else None
            if number_builder is not None and isinstance(value, float):
                return number_builder(value)
            return value

        return [[clean(c) for c in row] for row in data]

    @staticmethod
    def prepare_xl_data_element(x, options):
        return "" if x is None else x


class ComRangeStandIn:
    """What ``xlwings._xlwindows.Range(xl=...)`` needs to be for ``call_udf``'s caller."""

    def __init__(self, xl: Any = None, **_: Any):
        self.xl = xl


class ClassicHost:
    """Handle on the loaded classic machinery."""

    def __init__(self, udfs: types.ModuleType, module: types.ModuleType):
        self.xlwings_udfs = udfs
        self.module = module

    def call(self, func_name: str, *args: Any) -> Any:
        """Call like the generated VBA does: every declared argument, missing ones flagged."""
        info = getattr(self.module, func_name).__xlfunc__
        missing = -2147352572  # what VBA passes for an omitted Optional argument
        full = list(args) + [missing] * (len(info["args"]) - len(args))
        return self.xlwings_udfs.call_udf("leanxl.excel.udfs", func_name, tuple(full), None, None)


def _module(name: str, **attrs: Any) -> types.ModuleType:
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    return mod


@pytest.fixture
def classic(monkeypatch: pytest.MonkeyPatch) -> Iterator[ClassicHost]:
    import xlwings
    from xlwings.main import Engine

    class ComError(Exception):
        pass

    win32com = _module("win32com")
    win32com_client = _module("win32com.client", Dispatch=lambda *a, **k: None)
    win32com.client = win32com_client  # type: ignore[attr-defined]
    stand_ins = {
        "pythoncom": _module("pythoncom", CoInitialize=lambda: None),
        "pywintypes": _module("pywintypes", com_error=ComError),
        "win32com": win32com,
        "win32com.client": win32com_client,
        "xlwings._xlwindows": _module(
            "xlwings._xlwindows", Range=ComRangeStandIn, is_range_instance=lambda x: False,
            engine=StandInExcelEngine(), BOOK_CALLER=None,
        ),
        "xlwings.com_server": _module("xlwings.com_server", loop=asyncio.new_event_loop()),
    }
    fresh = ["xlwings.udfs", "leanxl.excel.udfs"]
    for name, mod in stand_ins.items():
        monkeypatch.setitem(sys.modules, name, mod)
    for name in fresh:
        monkeypatch.delitem(sys.modules, name, raising=False)
    import leanxl.excel

    # the package attribute would otherwise keep pointing at the classic-decorated module
    monkeypatch.delattr(leanxl.excel, "udfs", raising=False)
    monkeypatch.setitem(xlwings.engines.engines_by_name, "excel",
                        Engine(impl=StandInExcelEngine()))
    monkeypatch.setattr(xlwings, "_xlwindows", stand_ins["xlwings._xlwindows"], raising=False)
    udfs = importlib.import_module("xlwings.udfs")
    monkeypatch.setattr(xlwings, "func", udfs.xlfunc)
    monkeypatch.setattr(xlwings, "arg", udfs.xlarg)
    monkeypatch.setattr(xlwings, "ret", udfs.xlret)
    monkeypatch.setattr(udfs, "udf_modules", {})
    module = importlib.import_module("leanxl.excel.udfs")
    yield ClassicHost(udfs, module)
    stand_ins["xlwings.com_server"].loop.close()
    for name in fresh:
        sys.modules.pop(name, None)
    for attr in ("udfs", "com_server"):  # set by the imports above
        vars(xlwings).pop(attr, None)
    vars(leanxl.excel).pop("udfs", None)  # monkeypatch then restores an earlier one, if any
