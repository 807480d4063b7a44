"""Helpers shared by the tests: a browser stand-in for the PayFiP sandbox, a memory keyring."""
