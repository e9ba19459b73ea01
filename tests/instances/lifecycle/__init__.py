"""Tests of instances.lifecycle: states, services and their cloud steps, faults, retries, expiry."""
