"""GenICam cameras (GigE Vision, USB3 Vision) through Aravis: triggered or free-running."""
