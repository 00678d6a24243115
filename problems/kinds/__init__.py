"""One module per family of kinds; each exports `KINDS`, a list of `problems.schema.Kind`."""
