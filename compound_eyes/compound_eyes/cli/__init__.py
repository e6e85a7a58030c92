"""Command-line interface: thin verbs over the core modules."""
