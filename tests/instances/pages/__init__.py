"""Tests of instances.pages: the home, instance, launch, DOI and sharing pages, and their live updates."""
