"""Operations: health, readiness, metrics, and the built SPA served from the backend."""
