"""Website visitors of published bots: their tokens, conversations, limits and bookings."""
