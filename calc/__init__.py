"""The pure computation core: numbers in, `Solution` data out. Nothing here prints."""
