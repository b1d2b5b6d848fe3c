"""Calendar backends: the protocol the booking service needs, Google Calendar and the local
calendar.
"""
