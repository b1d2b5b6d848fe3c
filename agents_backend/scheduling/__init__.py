"""Meeting booking: free slots, the booking saga over a calendar backend, and how a booking
reads.
"""
