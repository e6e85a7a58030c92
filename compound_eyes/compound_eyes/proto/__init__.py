"""Protobuf mirror of the ROS interfaces, so tools without ROS can read what the system records."""
