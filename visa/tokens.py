"""Secrets that are shown once (share links, personal API tokens) and the digest kept in their
place: the one way visa makes and stores a bearer secret."""
import hashlib
import secrets


def new_secret(prefix=""):
    """256 random bits, URL-safe, after `prefix` (which lets secret scanners recognise ours)."""
    return prefix + secrets.token_urlsafe(32)


def digest(secret):
    # The secret is 256 random bits, so a plain hash is enough to make the stored value useless.
    return hashlib.sha256(secret.encode()).hexdigest()
