"""One panel per lifecycle step (Data in this version)."""
