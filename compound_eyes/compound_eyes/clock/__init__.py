"""Clocks: the synced wall clock every stamp and schedule uses, and its NTP measurement."""
