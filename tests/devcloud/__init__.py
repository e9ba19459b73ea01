"""Tests of devcloud (deploy/devcloud), the small OpenStack the other tests run against."""
