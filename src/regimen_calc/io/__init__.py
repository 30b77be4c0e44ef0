"""File formats in: regimen files (with ``extends`` and site overlays) and dosing-policy files.

The one cattrs converter lives here (:mod:`regimen_calc.io.converter`); renderers (file formats
out) are :mod:`regimen_calc.render`.
"""
