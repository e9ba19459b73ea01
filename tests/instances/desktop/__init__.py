"""Tests of instances.desktop: the proxy's RFB filter and thumbnails."""
