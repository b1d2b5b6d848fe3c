"""Shared infrastructure every feature builds on: settings, security, database client and
indexes, write batching, errors, logs, metrics, rate limits, the service registry.
"""
