"""`python -m dlcalc`: the same app as the `dlcalc` command."""
from dlcalc.cli.main import main

main()
