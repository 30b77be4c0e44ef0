"""Bundled content and pure formulas.

The drug, lab, interaction and anthracycline tables shipped in ``regimen_calc/data``, the guarded
YAML reader they are read with, and the formulas that need nothing but numbers (body-surface area,
ideal and adjusted body weight). Imports only :mod:`regimen_calc.errors` and
:mod:`regimen_calc.units`.
"""
