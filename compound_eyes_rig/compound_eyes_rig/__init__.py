"""The proving ground of compound_eyes: demo, benchmarks, ground truth, test NTP server.

Nothing in the product package imports this one; it depends on the product, never the reverse.
"""
