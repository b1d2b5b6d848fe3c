"""Outside services reached over the network: the OpenAI API and calendars."""
