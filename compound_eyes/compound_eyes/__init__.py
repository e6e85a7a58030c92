"""compound_eyes: software-synchronized image capture from many cameras on many computers."""
