"""Real helper services (an NTP server, ...) that tests and benchmarks start and always stop."""
