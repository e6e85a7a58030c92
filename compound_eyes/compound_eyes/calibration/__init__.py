"""Camera calibration the ROS way: camera_info_url resolution and camera_calibration's files."""
