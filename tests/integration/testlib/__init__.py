"""Harness for sluice's integration and end-to-end tests (real Postgres, real binary)."""
