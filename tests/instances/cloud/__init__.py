"""Tests of instances.cloud: cloud-init user data, data mounts and the mount agent's endpoint."""
