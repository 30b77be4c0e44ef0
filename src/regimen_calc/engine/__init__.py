"""The engine: the rules that decide a dose.

Dosing policy and rounding, tablets, the venetoclax interaction rule, lab holds, safety limits,
cumulative anthracycline doses, and the schedule that puts them together for one patient.
"""
