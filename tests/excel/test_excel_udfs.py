"""Classic xlwings UDFs: registration metadata, VBA generation and Import Functions, driven
through xlwings' own ``xlwings.udfs`` (pywin32 stand-ins in ``conftest.py``)."""

from __future__ import annotations

import inspect
import io
import re
from pathlib import Path
from typing import Any

import pytest

from leanxl import functions
from leanxl.excel import settings
from leanxl.sheets import xlwings_conf

# VBA keywords that cannot name a parameter (a subset that looks like argument names).
VBA_RESERVED = {"input", "output", "open", "close", "name", "type", "string", "date", "end",
                "next", "get", "put", "let", "set", "call", "error", "property", "step", "to",
                "print", "line", "width", "seek", "lock", "base", "option", "is", "like",
                "mod", "not", "and", "or", "xor", "new", "me", "array", "text"}


def test_every_spec_function_is_registered() -> None:
    spec = {"FIT", "MATCH", "BESTPROFILE", "SEGMENT", "MIX", "DECIDE", "EXPLAIN"}
    assert spec | {"KPISTATUS", "KPITREND"} <= set(functions.REGISTRY)
    for fn in functions.REGISTRY.values():
        assert fn.excel_name == f"LEANXL_{fn.name}"
        assert 20 < len(fn.help) <= 255
        assert fn.params and all(10 < len(p.help) <= 255 for p in fn.params)
        # optional parameters come last (VBA and xlwings both require it)
        flags = [p.optional for p in fn.params]
        assert flags == sorted(flags)


def test_registered_with_classic_metadata(classic: Any) -> None:
    for fn in functions.REGISTRY.values():
        udf = getattr(classic.module, fn.excel_name)
        info = udf.__xlfunc__
        assert info["name"] == fn.excel_name
        assert info["category"] == "leanxl"
        assert info["sub"] is False and info["volatile"] is False
        assert info["async_mode"] is None and info["call_in_wizard"] is True
        assert info["ret"]["doc"] == fn.help
        assert info["ret"]["options"] == {}  # plain 2-D list: spills natively, no `expand`
        assert [a["name"] for a in info["args"]] == [p.name for p in fn.params]
        for arg, param in zip(info["args"], fn.params, strict=True):
            assert arg["doc"] == param.help
            assert arg["options"] == {"ndim": 2, "err_to_str": True}
            assert arg["vararg"] is False and arg["vba"] is None
            if param.optional:
                assert arg["optional"] is None
            else:
                assert "optional" not in arg
            assert param.name.lower() not in VBA_RESERVED
        # the Python signature xlwings reads is the registry's
        assert list(inspect.signature(udf).parameters) == [p.name for p in fn.params]


class _Workbook:
    """The parts of a COM Workbook that ``generate_vba_wrapper``/``import_udfs`` touch."""

    Name = "leanxl_template.xlsm"

    def __init__(self, com_error: type[Exception]):
        outer = self
        self.imported: list[str] = []
        self.macro_options: list[tuple[str, dict[str, Any]]] = []

        class Components:
            def __call__(self, name: str) -> Any:
                raise com_error("no such component")

            def Remove(self, component: Any) -> None:  # noqa: N802 - COM name
                raise AssertionError("nothing to remove")

            def Import(self, path: str) -> None:  # noqa: N802 - COM name
                outer.imported.append(Path(path).read_text())

        class Project:
            VBComponents = Components()

        class Application:
            Version = "16.0"

            def MacroOptions(self, macro: str, **kwargs: Any) -> None:  # noqa: N802
                outer.macro_options.append((macro, kwargs))

        self.VBProject = Project()
        self.Application = Application()


def _vba_functions(vba: str) -> dict[str, str]:
    return {m.group(1): m.group(0)
            for m in re.finditer(r"^Function (\w+)\((.*?)\)$.*?^End Function$", vba, re.M | re.S)}


def test_generate_vba_wrapper_has_every_function(classic: Any) -> None:
    out = io.StringIO()
    classic.xlwings_udfs.generate_vba_wrapper("leanxl.excel.udfs", classic.module, out,
                                              _Workbook(Exception))
    blocks = _vba_functions(out.getvalue())
    assert set(blocks) == {fn.excel_name for fn in functions.REGISTRY.values()}
    for fn in functions.REGISTRY.values():
        block = blocks[fn.excel_name]
        sig = ", ".join(("Optional " if p.optional else "") + p.name for p in fn.params)
        assert block.startswith(f"Function {fn.excel_name}({sig})")
        args = ", ".join(p.name for p in fn.params)
        assert (f'{fn.excel_name} = XLPy.CallUDF("leanxl.excel.udfs", "{fn.excel_name}", '
                f"Array({args}), ThisWorkbook, Application.Caller)") in block
        assert f"{fn.excel_name} = Err.Description" in block


def test_import_functions_sets_descriptions(classic: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    udfs = classic.xlwings_udfs
    monkeypatch.setattr(udfs, "__pro__", False)
    udfs.get_udf_module("leanxl.excel.udfs", None)  # cached, as after the first call
    book = _Workbook(udfs.pywintypes.com_error)
    udfs.import_udfs(xlwings_conf.XLWINGS_CONF["UDF Modules"], book)
    assert len(book.imported) == 1
    assert 'Attribute VB_Name = "xlwings_udfs"' in book.imported[0]
    assert set(_vba_functions(book.imported[0])) == {
        fn.excel_name for fn in functions.REGISTRY.values()}
    options = {macro: kw for macro, kw in book.macro_options}
    for fn in functions.REGISTRY.values():
        kw = options[f"'{book.Name}'!{fn.excel_name}"]
        assert kw["Description"] == fn.help
        assert kw["Category"] == "leanxl"
        assert kw["ArgumentDescriptions"] == [p.help for p in fn.params]


def test_error_cell_in_input_is_not_read_as_blank(classic: Any) -> None:
    # KPISTATUS: a #N/A actual must not pass as "not reported yet" (blank → blank result)
    result = classic.call("LEANXL_KPISTATUS", ((-2146826246,),), 100.0)
    assert result[0][0].startswith("#VALUE! ") and "#N/A" in result[0][0]
    blank = classic.call("LEANXL_KPISTATUS", ((None,),), 100.0)
    assert blank == [[""]]


def test_template_settings() -> None:
    assert xlwings_conf.CONF_SHEET == "xlwings.conf"
    assert xlwings_conf.conf_rows() == [("UDF Modules", "leanxl.excel.udfs")]
    # the module named there is importable and publishes every LEANXL_* function
    import importlib

    module = importlib.import_module(xlwings_conf.UDF_MODULE)
    assert set(module.__all__) == {fn.excel_name for fn in functions.REGISTRY.values()}


def test_write_server_project(tmp_path: Path) -> None:
    fresh = settings.write_server_project(tmp_path / "new")
    functions_init = (fresh / "custom_functions" / "__init__.py").read_text()
    assert "from leanxl.excel.server import *" in functions_init
    assert (fresh / "custom_scripts" / "__init__.py").exists()
    env = (fresh / ".env").read_text()
    assert 'XLWINGS_FUNCTIONS_NAMESPACE="LEANXL"' in env
    assert 'XLWINGS_ENVIRONMENT="prod"' in env
    assert "\nXLWINGS_LICENSE_KEY" not in env  # the licence is the user's decision

    # an existing project keeps its own functions and settings
    old = tmp_path / "old"
    (old / "custom_functions").mkdir(parents=True)
    (old / "custom_functions" / "__init__.py").write_text("from .functions import *")
    (old / ".env").write_text('XLWINGS_LICENSE_KEY="abc"\n# XLWINGS_FUNCTIONS_NAMESPACE="X"\n')
    settings.write_server_project(old)
    settings.write_server_project(old)  # idempotent
    text = (old / "custom_functions" / "__init__.py").read_text()
    assert text.startswith("from .functions import *\n")
    assert text.count("leanxl.excel.server") == 1
    assert (old / ".env").read_text() == (
        'XLWINGS_LICENSE_KEY="abc"\nXLWINGS_FUNCTIONS_NAMESPACE="LEANXL"\n')


def test_a_bug_is_logged_and_shown_as_one_error_cell(caplog: pytest.LogCaptureFixture) -> None:
    from leanxl.errors import CellError
    from leanxl.excel import convert

    def broken(x: Any) -> Any:
        raise RuntimeError("boom")

    fn = functions.SheetFunction("BROKEN", broken, (functions.Param("x", "anything"),), "test")
    with caplog.at_level("ERROR", logger="leanxl.excel.convert"):
        classic = convert.call_for_host(fn, ([[1.0]],), convert.classic_cell)
        server = convert.call_for_host(fn, ([[1.0]],), convert.officejs_cell)
    assert classic == [["#VALUE! internal error in LEANXL_BROKEN: RuntimeError: boom"]]
    assert server == [["#VALUE!"]]
    assert any("LEANXL_BROKEN failed" in r.message and r.exc_info for r in caplog.records)
    # hosts with bare error codes log the reasons
    kpi = functions.REGISTRY["KPISTATUS"]
    with caplog.at_level("INFO", logger="leanxl.excel.convert"):
        got = convert.call_for_host(kpi, ([["x"], [1.0]], 5.0), convert.officejs_cell, True)
    assert got == [["#VALUE!"], ["Off track"]]
    assert any("LEANXL_KPISTATUS: 1 error cell(s); first: #VALUE! actual is text" in r.getMessage()
               for r in caplog.records)
    # rendering pads ragged rows (list results of different lengths) with blanks
    rows: list[list[Any]] = [[1.0, 2.0], [CellError("#N/A", "none")]]
    assert convert.render(rows, convert.classic_cell) == [[1.0, 2.0], ["#N/A none", None]]
