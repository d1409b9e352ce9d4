"""LibreOffice's error numbers as Excel error codes: THE one mapping for every read path.

recalc reads a formula's error two ways: the number LibreOffice gives through UNO
(``cell.getError()``), or the code LibreOffice's own xlsx export wrote (when many result types
are uncertain, one export is faster than asking cell by cell).  Both must give one book the
same codes, so this table is exactly what the export writes (LibreOffice's
``XclTools::GetXclErrorCode``, checked against the export by
``tests/test_recalc_libreoffice.py``); every other number is written ``#N/A`` by the export,
and is ``#N/A`` here too.
"""

from __future__ import annotations

LO_ERRORS: dict[int, str] = {
    502: "#VALUE!",  # IllegalArgument (also SQRT(-1), FACT(-1), DEC2BIN(1000): Excel #NUM!)
    503: "#NUM!",  # IllegalFPOperation
    504: "#VALUE!",  # IllegalParameter
    508: "#VALUE!",  # PairExpected
    509: "#VALUE!",  # OperatorExpected
    510: "#VALUE!",  # VariableExpected
    511: "#VALUE!",  # ParameterExpected
    519: "#VALUE!",  # NoValue
    521: "#NULL!",  # NoCode (empty intersection)
    522: "#VALUE!",  # CircularReference
    524: "#REF!",  # NoRef
    525: "#NAME?",  # NoName
    530: "#NAME?",  # NoAddin
    531: "#NAME?",  # NoMacro
    532: "#DIV/0!",  # DivisionByZero
    32767: "#N/A",  # NotAvailable
}
UNKNOWN = "#N/A"  # e.g. 523 NoConvergence (RATE, IRR: Excel says #NUM!)


def excel_code(number: int) -> str:
    """The Excel error code LibreOffice's xlsx export writes for its error ``number``."""
    return LO_ERRORS.get(number, UNKNOWN)
