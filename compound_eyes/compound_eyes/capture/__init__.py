"""Synchronized multiprocess capture: one process per camera, one frame set per tick."""
