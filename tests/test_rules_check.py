"""check(): overlaps, conflicts, gaps, unreachable rules and examples, each with a lead that
shows it; ``leanxl check`` and ``leanxl audit`` on real files."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from leanxl.cli import main
from leanxl.data import sample_path
from leanxl.rules import audit, check, explain, load, self_test
from leanxl.rules.table import Example


def kinds(findings):
    return sorted((f.kind, f.rules) for f in findings)


def test_unique_overlap_with_example():
    t = load([["DECISION T", "UNIQUE"], ["IN buyer_maturity", "OUT s"],
              ["<=2", "a"], ["[2..4]", "b"], [">=5", "c"]])
    findings = check(t)
    assert kinds(findings) == [("overlap", (1, 2))]
    # buyer_maturity is a factor: domain 1..5; rules 1 and 2 share only 2.
    assert findings[0].example == {"buyer_maturity": 2} and findings[0].severity == "error"
    assert findings[0].where == "R4C1"


def test_any_conflict_only_when_outputs_differ():
    t = load([["DECISION T", "ANY"], ["IN x", "OUT s"],
              ["<=2", "a"], ["[2..4]", "a"], ["[4..6]", "b"], ["-", "a"]])
    findings = [f for f in check(t) if f.kind == "conflict"]
    assert [f.rules for f in findings] == [(2, 3), (3, 4)]
    assert findings[0].example == {"x": 4}


def test_gaps_over_observed_domain():
    # Covered: x < 2 with y in a, b; x > 5.  Gaps: x in [2..5]; x < 2 with another y.
    t = load([["DECISION T", "FIRST"], ["IN x", "IN y", "OUT s"],
              ["<2", "a,b", "lo"], [">5", "-", "hi"]])
    gaps = [f.example for f in check(t) if f.kind == "gap"]
    assert gaps, "expected gaps"
    for g in gaps:  # every reported example really gets no rule
        assert t.evaluate_rows({"x": [g["x"]], "y": [g["y"]]})[0][0].code == "#N/A"
    xs = {g["x"] for g in gaps}
    assert xs & {2, 3, 5}  # x in [2..5] is uncovered whatever y is


def test_factor_domain_gap():
    t = load([["DECISION T", "UNIQUE"], ["IN interest", "OUT s"], ["<=2", "a"], [">=4", "b"]])
    gaps = [f for f in check(t) if f.kind == "gap"]
    assert [g.example for g in gaps] == [{"interest": 3}]


def test_unreachable_under_first_names_the_rule_that_takes_it():
    t = load([["DECISION T", "FIRST"], ["IN a", "IN b", "OUT s"],
              ["<=3", "-", "x"], [">3", "true", "y"], ["[1..2]", "false", "z"],
              ["-", "-", "w"]])
    findings = [f for f in check(t) if f.kind == "unreachable"]
    assert [f.rules for f in findings] == [(3, 1)]
    assert findings[0].where == "R5C1"
    example = findings[0].example
    assert 1 <= example["a"] <= 2 and example["b"] is False
    assert t.evaluate_rows({"a": [example["a"]], "b": [example["b"]]})[0] == ["x"]


def test_rule_that_can_never_match_a_factor():
    t = load([["DECISION T", "FIRST"], ["IN company_size", "OUT s"], [">5", "x"], ["-", "y"]])
    assert [(f.kind, f.rules) for f in check(t)] == [("unreachable", (1,))]


def test_declared_domain_overrides():
    t = load([["DECISION T", "FIRST"], ["IN region", "OUT s"], ["North,South", "x"]])
    gaps = [f.example for f in check(t, {"region": ["North", "South", "East"]})
            if f.kind == "gap"]
    assert gaps == [{"region": "East"}]


def test_self_test_reports_failing_examples():
    t = load([["DECISION T", "FIRST"], ["IN a", "OUT s", "OUT n"],
              ["<=2", "low", 1], ["-", "high", 2]])
    t.examples.extend([
        Example({"a": 1}, {"s": "low", "n": 1}, "E1"),
        Example({"a": 5}, {"s": "low"}, "E2"),           # wrong: table says high
        Example({"a": "x"}, {"s": "#VALUE!"}, "E3"),     # expects the error
        Example({"a": 5}, {"s": None, "n": 2}, "E4"),    # blank expected = not checked
    ])
    failures = self_test(t)
    assert [(f.where, f.kind) for f in failures] == [("E2", "example")]
    assert "expected s = low, the table gives high" in failures[0].message


def test_explain_fired_and_near_miss():
    t = load(sample_path("rules.csv"))
    text = explain(t, {"buyer_maturity": 1, "buyer_influence": 2, "interest": 1,
                      "price_sensitivity": 3, "competition": 3, "purchase_history": 4,
                      "company_size": 2})
    assert "rule 1 fired" in text and "ready decision maker" in text
    assert "buyer_maturity = 1 is <=2" in text
    t2 = load([["DECISION T", "UNIQUE"], ["IN a", "IN b", "OUT s"],
               ["<=2", "<=2", "x"], [">=4", "-", "y"]])
    text = explain(t2, {"a": 1, "b": 3})
    assert "no rule matched" in text
    assert "nearest: rule 1" in text and "b = 3 is not <=2" in text


def book(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Rules"

    def put(top, left, rows):
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is not None:
                    ws.cell(top + r, left + c, v)

    put(1, 1, [["DECISION Qualify", "FIRST"],
               ["IN buyer_maturity", "IN interest", "OUT status", "NOTE"],
               ["<=2", "<=3", "Qualified", "ready"],
               ["<=2", "<=2", "Nurture", "never fires"],
               [">=4", "-", "Disqualified", None]])
    put(1, 7, [["DECISION Route", "UNIQUE"], ["IN buyer_influence", "OUT owner"],
               ["<=3", "AE"], [">=3", "SDR"]])
    put(10, 1, [["EXAMPLES Qualify"], ["buyer_maturity", "interest", "OUT status"],
                [1, 1, "Qualified"], [5, 1, "Nurture"]])
    other = wb.create_sheet("Broken")
    other["B2"], other["C2"] = "DECISION Bad", "FRST"
    other["B3"], other["C3"] = "IN buyer_maturity", "OUT s"
    other["B4"], other["C4"] = "1..3", "x"
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return path


def test_cli_check_reports_everything(tmp_path, capsys):
    code = main(["check", str(book(tmp_path))])
    out = capsys.readouterr().out
    assert code == 1
    assert "Broken!C2: error: unknown hit policy 'FRST' (did you mean FIRST?)" in out
    assert "Broken!B4: error: cannot read `1..3` as a test (did you mean `[1..3]`?)" in out
    assert "Rules!A4: warning [Qualify] unreachable: rule 2 can never fire" in out
    assert "gap: no rule matches this lead" in out and "buyer_maturity=3" in out
    assert "Rules!G4: error [Route] overlap: rules 1 and 2 both match" in out
    assert "e.g. buyer_influence=3" in out
    assert "Rules!A13: error [Qualify] example: expected status = Nurture, the table gives " \
           "Disqualified" in out


def test_cli_check_clean_table_passes(tmp_path, capsys):
    assert main(["check", str(sample_path("rules.csv"))]) == 0
    assert "Qualify (FIRST, 7 rules, 6 examples): ok" in capsys.readouterr().out


def test_cli_check_missing_file(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope.xlsx")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_audit_counts_deviations_per_rule(tmp_path, capsys):
    t = load([["DECISION Q", "FIRST"], ["IN buyer_maturity", "OUT status"],
              ["<=2", "Qualified"], ["-", "Nurture"]])
    leads = pd.DataFrame({"lead_id": ["L1", "L2", "L3", "L4", "L5"],
                          "buyer_maturity": [1, 2, 4, 5, None],
                          "recorded": ["Qualified", "Nurture", "Nurture", "Qualified",
                                       "nurture"]})
    report = audit(t, leads, "recorded")
    # L2: rule 1 says Qualified, recorded Nurture.  L4: rule 2 says Nurture, recorded
    # Qualified.  L5 (blank maturity) falls to rule 2; "nurture" matches ignoring case.
    assert report.n_deviations == 2
    assert report.per_rule[["rule", "leads", "deviations"]].values.tolist() == [[1, 2, 1],
                                                                                [2, 3, 1]]
    assert report.deviations["index"].tolist() == [1, 3]
    csv = tmp_path / "leads.csv"
    leads.to_csv(csv, index=False)
    wb_path = tmp_path / "b.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    for r, row in enumerate([["DECISION Q", "FIRST"], ["IN buyer_maturity", "OUT status"],
                             ["<=2", "Qualified"], ["-", "Nurture"]], start=1):
        for c, v in enumerate(row, start=1):
            ws.cell(r, c, v)
    wb.save(wb_path)
    assert main(["audit", str(wb_path), "--leads", str(csv), "--recorded", "recorded"]) == 0
    out = capsys.readouterr().out
    assert "Q: 2 of 5 leads (40.0%) recorded a status other than the rules'" in out
    assert "rule 1 -> Qualified: 1 of 2 leads deviated (50.0%)" in out
    assert "L4" in out


def test_audit_and_the_leads_sheet_judge_a_recorded_status_alike():
    # `leanxl audit` and the Leads sheet's "Follows rules" column used to disagree: audit
    # counted a blank or all-space status as a deviation and the sheet counted "Qualified "
    # (a trailing space) as not following.  One definition now: blank = not recorded.
    from leanxl.rules.deviations import follows_decision

    t = load([["DECISION Q", "FIRST"], ["IN buyer_maturity", "OUT status"],
              ["<=2", "Qualified"], ["-", "Nurture"]])
    recorded = ["Qualified ", "  ", None, "qualified", "Nurture"]
    leads = pd.DataFrame({"buyer_maturity": [1, 1, 1, 2, 1]})
    report = audit(t, leads, recorded)
    assert (report.total, report.n_deviations, report.not_recorded) == (3, 1, 2)
    assert report.deviations["index"].tolist() == [4]
    assert "2 more recorded none" in str(report)
    assert [follows_decision(r, "Qualified") for r in recorded] == [True, None, None, True,
                                                                    False]


def test_audit_needs_a_single_result_table():
    t = load([["DECISION Q", "COLLECT"], ["IN a", "OUT s"], ["-", "x"]])
    from leanxl.errors import ArgumentError

    with pytest.raises(ArgumentError, match="lists"):
        audit(t, {"a": [1]}, ["x"])


# ------------------------------------------------------------------ check() vs brute force

from itertools import product  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from leanxl.rules.reference import decide  # noqa: E402
from leanxl.rules.soundness import column_domain  # noqa: E402

NUM_CELLS = ["-", "1", "<=2", ">=4", "[2..3]", "(1..4)", "not(3)", "2,5", ">3", "<1.5"]


@st.composite
def small_tables(draw):
    policy = draw(st.sampled_from(["UNIQUE", "ANY", "FIRST"]))
    n_in = draw(st.integers(1, 3))
    n_rules = draw(st.integers(1, 6))
    names = draw(st.lists(st.sampled_from(["interest", "x", "y"]), min_size=n_in,
                          max_size=n_in, unique=True))
    rows = [[draw(st.sampled_from(NUM_CELLS)) for _ in range(n_in)]
            + [draw(st.sampled_from(["a", "b"]))] for _ in range(n_rules)]
    return load([["DECISION T", policy], [f"IN {n}" for n in names] + ["OUT o"], *rows])


@settings(max_examples=120, deadline=None)
@given(small_tables())
def test_check_agrees_with_brute_force(t):
    domains = [column_domain(t, j) for j in range(len(t.inputs))]
    names = [c.name for c in t.inputs]
    leads = [dict(zip(names, point, strict=True)) for point in product(*domains)]
    matches = [{r.number for r in t.rules
                if all(test.matches(v) for test, v in zip(r.tests, lead.values(), strict=True))}
               for lead in leads]
    findings = check(t)
    by_kind = {k: [f for f in findings if f.kind == k] for k in
               ("gap", "overlap", "conflict", "unreachable")}
    # Gaps: reported iff some lead matches nothing; each example really matches nothing.
    assert bool(by_kind["gap"]) == any(not m for m in matches)
    for f in by_kind["gap"]:
        assert decide(t, f.example)[1] == ()
    # Overlaps (UNIQUE): exactly the pairs of rules that some lead matches together.
    pairs = {(a, b) for m in matches for a in m for b in m if a < b}
    if t.policy.value == "UNIQUE":
        assert {f.rules for f in by_kind["overlap"]} == pairs
        for f in by_kind["overlap"]:
            assert set(f.rules) <= set(decide(t, f.example)[1])
    if t.policy.value == "ANY":
        outs = {r.number: r.outputs for r in t.rules}
        assert {f.rules for f in by_kind["conflict"]} == {
            (a, b) for a, b in pairs if outs[a] != outs[b]}
    # Unreachable: rules that never match, and under FIRST rules that never come first.
    never = {r.number for r in t.rules} - set().union(*matches)
    if t.policy.value == "FIRST":
        firsts = {min(m) for m in matches if m}
        never |= {r.number for r in t.rules} - firsts
    assert {f.rules[0] for f in by_kind["unreachable"]} == never


def test_csv_with_examples_reports_failures(tmp_path, capsys):
    path = tmp_path / "t.csv"
    path.write_text("DECISION Q,FIRST\nIN interest,OUT s\n<=2,hot\n-,cold\n\n"
                    "EXAMPLES Q\ninterest,OUT s\n1,hot\n4,hot\n")
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "'t.csv'!A9: error [Q] example: expected s = hot, the table gives cold" in out


def test_explain_errors_and_lists():
    t = load([["DECISION T", "UNIQUE"], ["IN a", "OUT s"], ["<=2", "x"], ["[2..3]", "y"]])
    assert "#VALUE! rules 1 and 2 all match" in explain(t, {"a": 2})
    assert "a: `high` is not a number" in explain(t, {"a": "high"})
    r = load([["DECISION T", "RULE ORDER"], ["IN a", "OUT s"], ["<=2", "x"], ["-", "y"]])
    text = explain(r, {"a": 1})
    assert "s = [x, y]" in text and "rule 1 fired" in text and "rule 2 fired" in text


def test_cli_check_caps_findings(tmp_path, capsys):
    path = tmp_path / "t.csv"
    rows = "\n".join(f"<={k},r{k}" for k in range(1, 8))
    path.write_text(f"DECISION Q,UNIQUE\nIN interest,OUT s\n{rows}\n")
    assert main(["check", str(path), "--max", "3"]) == 1
    out = capsys.readouterr().out
    assert out.count("overlap: rules") == 3
    assert "... and 18 more overlap findings" in out  # 7 nested rules: 21 pairs
