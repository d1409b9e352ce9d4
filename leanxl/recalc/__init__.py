"""Headless recalculation of workbooks: leanxl calls by kernel, standard formulas by LibreOffice."""
