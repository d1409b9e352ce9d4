"""Templated workbook: build the template, refresh it from CRM data, charts."""
