"""Bridges to spreadsheet hosts: xlwings classic UDFs and xlwings Server."""
