"""A PostgreSQL database of a benchmark's own (visa_bench_<name>), made anew for each run unless
the benchmark reuses it, on the server that DATABASE_URL names (the machine's own by default)."""
import os
from urllib.parse import urlsplit, urlunsplit

import psycopg

SERVER = "postgres://postgres@127.0.0.1:5432/postgres"


def fresh_database(name, reuse=False):
    """Drop and create visa_bench_<name> (with `reuse`: create it only if missing); return its URL."""
    server = urlsplit(os.environ.get("DATABASE_URL") or SERVER)
    database = f"visa_bench_{name}"
    with psycopg.connect(urlunsplit(server._replace(path="/postgres")), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if exists and not reuse:
            admin.execute(f"DROP DATABASE {database} WITH (FORCE)")
        if not exists or not reuse:
            admin.execute(f"CREATE DATABASE {database}")
    return urlunsplit(server._replace(path=f"/{database}"))
