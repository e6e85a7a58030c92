"""Starting and stopping the processes of a rig (demo, benchmarks) without ros2 launch."""
