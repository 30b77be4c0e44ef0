"""``python -m regimen_calc``: the same command line as ``regimen-calc``."""

from .cli import main

main(prog_name="regimen-calc")
