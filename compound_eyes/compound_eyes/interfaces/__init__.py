"""Plain conversions between compound_eyes_msgs messages and Python/numpy values."""
