"""The multi-host ground-truth benchmark: server and clients in namespaces, judged by timecode."""
