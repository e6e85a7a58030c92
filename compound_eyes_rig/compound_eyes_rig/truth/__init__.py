"""Ground truth: timecodes decoded from synthetic frames, scored per tick."""
