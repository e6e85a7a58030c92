"""Configuration: ROS-form YAML parameter files validated into typed settings."""
