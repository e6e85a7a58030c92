"""Image encodings shared by capture workers and export tools."""
