"""Rule-based NLU for chat messages (pt-BR and English), refined by a model when unsure."""
