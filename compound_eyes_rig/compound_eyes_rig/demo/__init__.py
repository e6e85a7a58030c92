"""The demo: a server and two synthetic clients on one machine, recorded and reported."""
