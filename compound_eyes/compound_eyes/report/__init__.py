"""Sync-quality report (HTML + PNG + JSON) computed from a recorded bag."""
