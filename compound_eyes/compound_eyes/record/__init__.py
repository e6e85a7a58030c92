"""Recording synchronized frame sets into rosbag2 MCAP bags, and reading them back."""
