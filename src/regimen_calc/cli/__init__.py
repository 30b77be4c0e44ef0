"""The command line, ``regimen-calc``: arguments and printing only; the library does the work."""
