"""Accounts and sign-in sessions: register, login, rotating refresh tokens, logout, who is
calling.
"""
