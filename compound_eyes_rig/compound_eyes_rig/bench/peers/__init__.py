"""Benchmark peer programs; the only place outside nodes/ that may import rclpy."""
