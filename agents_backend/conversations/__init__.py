"""A person's own conversations with each agent: the list, titles, deletion and search."""
