"""The rig's verbs of the ``compound-eyes`` command, found through its entry-point group."""
