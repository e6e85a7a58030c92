"""Camera sources behind one interface: synthetic timecode cameras and OpenCV devices."""
