"""Token usage per person, model and day, its estimated cost, and the daily budget."""
