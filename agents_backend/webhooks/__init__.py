"""Signed webhooks: owners' HTTPS endpoints told what happens in their workspace."""
