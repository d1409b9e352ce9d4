"""Loading tables: the SPEC layout, worksheets, and each kind of mistake at the right cell."""

from __future__ import annotations

import openpyxl
import pytest

from leanxl.data import sample_path
from leanxl.errors import TableError
from leanxl.rules import HitPolicy, check, load, load_sheet, self_test
from leanxl.rules.policies import Aggregator

SPEC_TABLE = [
    ["DECISION Qualify", "FIRST"],
    ["IN buyer_maturity", "IN buyer_influence", "IN price_sensitivity", "OUT status",
     "OUT route", "NOTE"],
    ["<=2", "<=2", "-", "Qualified", "AE", "ready decision maker"],
    ["[3..4]", "-", "<=3", "Nurture", "SDR", None],
    ["-", "-", "-", "Disqualified", None, "catch-all"],
]


def test_spec_example_loads():
    t = load(SPEC_TABLE)
    assert t.name == "Qualify" and t.policy is HitPolicy.FIRST
    assert [c.name for c in t.inputs] == ["buyer_maturity", "buyer_influence",
                                          "price_sensitivity"]
    assert [c.name for c in t.outputs] == ["status", "route"]
    assert [r.note for r in t.rules] == ["ready decision maker", "", "catch-all"]
    assert t.rules[2].outputs == ("Disqualified", None)


def test_rules_stop_at_first_empty_row_and_padding_is_ignored():
    rows = [r + [None, None] for r in SPEC_TABLE] + [[None] * 8, ["junk", "x"]]
    assert len(load(rows).rules) == 3


@pytest.mark.parametrize("cell,policy,agg", [
    (None, HitPolicy.UNIQUE, None), ("U", HitPolicy.UNIQUE, None), ("F", HitPolicy.FIRST, None),
    ("priority", HitPolicy.PRIORITY, None), ("A", HitPolicy.ANY, None),
    ("R", HitPolicy.RULE_ORDER, None), ("Rule Order", HitPolicy.RULE_ORDER, None),
    ("O", HitPolicy.OUTPUT_ORDER, None), ("C", HitPolicy.COLLECT, None),
    ("C+", HitPolicy.COLLECT, Aggregator.SUM), ("C<", HitPolicy.COLLECT, Aggregator.MIN),
    ("C>", HitPolicy.COLLECT, Aggregator.MAX), ("C#", HitPolicy.COLLECT, Aggregator.COUNT),
    ("COLLECT COUNT", HitPolicy.COLLECT, Aggregator.COUNT),
])
def test_hit_policy_names(cell, policy, agg):
    t = load([["DECISION T", cell, None, None], ["IN a", "OUT b {1, 2}"], ["1", 2]])
    assert (t.policy, t.aggregator) == (policy, agg)


def mistake(rows):
    with pytest.raises(TableError) as info:
        load(rows)
    return info.value


@pytest.mark.parametrize("rows,where,message,suggestion", [
    ([["DECISION T", "FRST"], ["IN a", "OUT b"], ["1", "x"]],
     "R1C2", "unknown hit policy 'FRST'", "did you mean FIRST?"),
    ([["Qualify", "FIRST"], ["IN a", "OUT b"], ["1", "x"]],
     "R1C1", "starts with a `DECISION <name>`", "DECISION"),
    ([["DECISION T"], ["IN a", "OUT b"], ["1..3", "x"]],
     "R3C1", "cannot read `1..3`", "did you mean `[1..3]`?"),
    ([["DECISION T"], ["IN a", "IN b", "OUT c"], ["1", "=<2", "x"]],
     "R3C2", "cannot read", "`<=2`"),
    ([["DECISION T"], ["IN a", "status", "OUT c"], ["1", "x", "y"]],
     "R2C2", "not IN, OUT or NOTE", "`IN status`"),
    ([["DECISION T"], ["IN a", "OUT b", "IN c"], ["1", "x", "2"]],
     "R2C3", "IN columns come before OUT", None),
    ([["DECISION T"], ["IN a", "IN a", "OUT c"], ["1", "2", "x"]],
     "R2C2", "appears twice", None),
    ([["DECISION T"], ["IN a"], ["1"]], "R2C1", "no OUT column", "OUT status"),
    ([["DECISION T"], ["IN a", "OUT b"]], "R2C1", "no rules", None),
    ([["DECISION T"], ["IN a", "OUT status {Qualified, Nurture}"], ["1", "Qualifed"]],
     "R3C2", "not an allowed value of status", "did you mean `Qualified`?"),
    ([["DECISION T", "PRIORITY"], ["IN a", "OUT s"], ["1", "x"]],
     "R2C2", "no OUT header has one", "OUT s {"),
    ([["DECISION T", "C+"], ["IN a", "OUT s"], ["1", "x"]],
     "R3C2", "C+ needs numbers", None),
    ([["DECISION T", "C#"], ["IN a", "OUT s", "OUT t"], ["1", "x", "y"]],
     "R1C2", "aggregates a single output", None),
    ([["DECISION T"], ["IN buyer_maturity", "OUT s"], ["high", "x"]],
     "R3C1", "is text but buyer_maturity holds numbers", "1..5"),
    ([["DECISION T"], ["IN seg", "OUT s"], ["S1", "x"], ["S2", "y"], ["3", "z"]],
     "R5C1", "number test but seg holds texts", None),
    ([["DECISION T"], ["IN seg {S1, S2}", "OUT s"], ["S3", "x"]],
     "R3C1", "not an allowed value of seg", None),
    ([["DECISION T"], ["IN a", "OUT s {x, y"], ["1", "x"]],
     "R2C2", "not closed", "`OUT s {x, y}`"),
])
def test_each_mistake_names_cell_and_fix(rows, where, message, suggestion):
    err = mistake(rows)
    assert err.where == where
    assert message in err.message
    if suggestion:
        assert suggestion in (err.suggestion or "")


def test_error_counts_further_mistakes():
    err = mistake([["DECISION T"], ["IN a", "OUT b"], ["1..3", "x"], ["=<2", "y"]])
    assert err.where == "R3C1" and "and 1 more" in err.message


def test_csv_file(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("DECISION Q,FIRST\nIN buyer_maturity,OUT status\n<=2,Qualified\n-,No\n")
    t = load(path)
    assert t.evaluate_rows({"buyer_maturity": [1, 4]}) == [["Qualified"], ["No"]]


def test_shipped_sample_table():
    t = load(sample_path("rules.csv"))
    assert t.policy is HitPolicy.FIRST and len(t.rules) >= 6
    assert not [f for f in check(t) if f.severity == "error"]


def test_worksheet_with_tables_anywhere_and_examples():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Rules sheet"
    ws["C3"] = "DECISION Qualify"
    ws["D3"] = "FIRST"
    for c, v in enumerate(["IN buyer_maturity", "IN segment", "OUT status", "NOTE"], start=3):
        ws.cell(4, c, v)
    for r, row in enumerate([["<=2", '"S1","S2"', "Qualified", "good"],
                             [None, None, "Nurture", None]], start=5):
        for c, v in enumerate(row, start=3):
            ws.cell(r, c, v)
    ws["J10"] = "DECISION Route"
    ws["J11"], ws["K11"] = "IN status", "OUT owner"
    ws["J12"], ws["K12"] = "Qualified", "AE"
    ws["J13"], ws["K13"] = "Nurture", "SDR"
    ws["C20"] = "EXAMPLES Qualify"
    ws["C21"], ws["D21"], ws["E21"] = "buyer_maturity", "segment", "OUT status"
    ws["C22"], ws["D22"], ws["E22"] = 1, "S2", "Qualified"
    ws["C23"], ws["D23"], ws["E23"] = 1, "S4", "Nurture"
    tables = load_sheet(ws)
    assert [t.name for t in tables] == ["Qualify", "Route"]
    q, route = tables
    assert q.where == "'Rules sheet'!C3" and q.rules[1].where == "'Rules sheet'!C6"
    assert len(q.examples) == 2 and self_test(q) == []
    assert route.policy is HitPolicy.UNIQUE
    assert route.evaluate_rows({"status": ["Nurture"]}) == [["SDR"]]


def test_worksheet_mistake_is_named_by_sheet_cell():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Rules"
    ws["B2"], ws["C2"] = "DECISION T", "FIRST"
    ws["B3"], ws["C3"] = "IN buyer_maturity", "OUT s"
    ws["B4"], ws["C4"] = "[1..3", "x"
    with pytest.raises(TableError) as info:
        load_sheet(ws)
    assert info.value.where == "Rules!B4"


def test_no_input_column_and_bad_sources():
    err = mistake([["DECISION T"], ["OUT s"], ["x"]])
    assert err.where == "R2C1" and "no IN column" in err.message
    with pytest.raises(TableError, match="2-D list"):
        load(["DECISION T", "IN a"])
    with pytest.raises(TableError, match=".csv"):
        load("rules.xlsx")


def test_dataframe_of_cells_read_without_header():
    import pandas as pd

    frame = pd.DataFrame([["DECISION T", "FIRST"], ["IN a", "OUT b"], ["<=2", "x"]])
    assert load(frame).evaluate_rows({"a": [1]}) == [["x"]]


def test_csv_saved_by_european_excel_loads_like_the_comma_file(tmp_path):
    # Excel in a Western European locale saves "CSV" as Windows-1252 with `;` separators;
    # `1,2` is then one S-FEEL list cell, not two cells.  load() used to read such a file
    # with commas only (one column), while `leanxl check` read it right.
    rows = [["DECISION Größe", "FIRST"],
            ["IN buyer_maturity", "OUT status"],
            ["1,2", "Qualifiziert"],
            ["-", "Später"]]
    path = tmp_path / "rules.csv"
    path.write_bytes("\r\n".join(";".join(r) for r in rows).encode("cp1252") + b"\r\n")
    table = load(path)
    assert table.name == "Größe"
    assert table.policy is HitPolicy.FIRST
    got = table.evaluate_rows({"buyer_maturity": [1, 2, 3]})
    assert [row[0] for row in got] == ["Qualifiziert", "Qualifiziert", "Später"]


def test_string_dtype_frame_with_missing_cells_loads():
    # A table read with pandas' string dtype holds pd.NA in empty cells; the S-FEEL parser
    # used to reject it ("cannot use a NAType value") although pd.NA is blank everywhere else.
    import pandas as pd

    frame = pd.DataFrame([["DECISION T", "FIRST", None], ["IN a", "IN b", "OUT c"],
                          ["<=2", None, "low"], ["-", "-", "high"]], dtype="string")
    assert load(frame).evaluate_rows({"a": [1, 5], "b": [9, 9]}) == [["low"], ["high"]]
