"""The terminal side of dlcalc: Typer commands, command-line input, renderers, exit codes."""

MAX_PRECISION = 15  # decimals shown at most (--precision, Solution.to): float64 carries about 15–17 digits
