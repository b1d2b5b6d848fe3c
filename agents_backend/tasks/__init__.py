"""Tasks: action items from conversations and bookings, and the per-agent auto-create switch."""
