"""Each owner's own Google Calendar: connecting it (OAuth web flow), its status, and the
directory that picks the calendar serving an owner's bookings."""
