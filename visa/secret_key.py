"""The key Django signs sessions, CSRF tokens and password resets with, and the VMs' mount-agent
tokens derive from (instances/cloud/agent.py): whoever knows it can sign in as anyone and read any
VM's data mounts. So there is no built-in key.

A deployment sets DJANGO_SECRET_KEY, the same on every host. Only the demo, which is the service on
its embedded database (DATABASE_URL unset), makes a random key once and keeps it in
VISA_VAR_DIR/secret-key, readable by its owner only; with DATABASE_URL set and no key, start-up stops.
"""
import os
import secrets
import tempfile

from visa import env

FILE_NAME = "secret-key"


def secret_key(var_dir):
    if key := os.environ.get("DJANGO_SECRET_KEY", ""):
        return key
    if os.environ.get("DATABASE_URL"):
        env.required("DJANGO_SECRET_KEY", "DATABASE_URL is set (only the demo, on its embedded database, makes "
                     "its own key); make one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'")
    return _demo_key(var_dir)


def _demo_key(var_dir):
    """The demo's key: made once, written whole before it appears (several demo processes start at once)."""
    path = var_dir / FILE_NAME
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    descriptor, draft = tempfile.mkstemp(dir=var_dir, prefix=".secret-key-")  # mode 0600
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(50))
        os.link(draft, path)  # fails if another process was first: then its key is the one
    except FileExistsError:
        pass
    finally:
        os.unlink(draft)
    return path.read_text().strip()
