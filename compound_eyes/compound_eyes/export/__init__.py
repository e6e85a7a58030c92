"""Exporting recorded bags to protobuf, legacy protobuf, image folders and videos."""
