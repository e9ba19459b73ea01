"""Tests of instances.sharing: share links, roles, control, support requests and desktop sessions."""
