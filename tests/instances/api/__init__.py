"""Tests of instances.api: the REST API as a script uses it."""
