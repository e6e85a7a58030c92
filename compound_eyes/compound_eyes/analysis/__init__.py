"""Ground-truth analysis of synced captures (decoded timecodes vs published stamps)."""
