"""A real OpenID Connect provider for the sign-in tests: a small Django project on
django-oauth-toolkit, run as its own process on loopback (`python -m tests.oidc.provider`).

Its state lives in one folder (PROVIDER_STATE): the SQLite database, the signing key, and
people.json, the accounts with their passwords and claims. The claims are read at every request,
so a test changes what the provider says about someone by rewriting that file.
"""
