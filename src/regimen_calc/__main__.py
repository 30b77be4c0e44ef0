"""``python -m regimen_calc``: the same command line as ``regimen-calc``."""

from regimen_calc.cli.commands import main

main(prog_name="regimen-calc")
