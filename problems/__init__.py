"""The problem-file format: schemas, YAML loading with line numbers, the registry of kinds, the library."""
