"""Phase-delay control loop: server estimator, client command filter, closed-loop simulation."""
