"""One module per subcommand family; each exposes `register(app)`."""
