"""The terminal side of dlcalc: Typer commands, command-line input, renderers, exit codes."""
