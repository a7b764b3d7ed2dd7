"""Training: the model catalog, the time-boxed search and its live leaderboard."""
