"""regimen_calc."""
