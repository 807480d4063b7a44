"""famille-tui: the town's « Espace famille » in a terminal."""

__version__ = "0.1.0"
