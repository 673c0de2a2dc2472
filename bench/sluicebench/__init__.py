"""The end-to-end benchmark harness behind bench/run.py (see bench/README.md)."""
