"""Bridges to spreadsheet hosts: xlwings classic UDFs, xlwings Server and xlwings Lite."""
