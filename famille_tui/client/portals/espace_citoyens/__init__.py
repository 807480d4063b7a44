"""The Arpège « Espace Citoyens » connector (`connector.py`); `urls.py` recognises its
addresses without loading the rest (the registry imports it at start-up)."""
