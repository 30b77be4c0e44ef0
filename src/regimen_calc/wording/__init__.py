"""ISMP text: numbers, units, days, routes, infusions and sequences.

Every number the library prints goes through :mod:`regimen_calc.wording.ismp` (no trailing zeros,
leading zeros, thousands separators, mcg).
"""
