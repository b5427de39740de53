"""Helpers shared by the test tree (importable as top-level modules: tests/conftest.py puts this
folder on sys.path)."""
