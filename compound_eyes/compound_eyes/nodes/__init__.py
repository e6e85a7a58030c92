"""ROS 2 node adapters: thin rclpy shells around the core modules."""
