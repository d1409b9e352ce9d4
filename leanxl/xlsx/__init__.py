"""The OOXML workbook package as raw zip + XML, with no openpyxl (layer 0).

- :mod:`leanxl.xlsx.package`: open an ``.xlsx``/``.xlsm``, follow its relationships to the
  workbook part and map sheet names to parts.
- :mod:`leanxl.xlsx.refs`: A1 references (columns, cells, ranges, ``'Sheet'!A1``).
- :mod:`leanxl.xlsx.cached_values`: write cached ``<v>`` values and dynamic-array spills
  into sheet parts.
"""
