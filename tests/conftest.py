"""Fixtures shared by every kind of test: a real server, a migrated template, a fresh database per test.

The server is the embedded cluster (started if needed) unless DATABASE_URL is set,
in which case test databases are created on that server. Each test database is
cloned from one template migrated once per session, as Procrastinate does: a clone
takes a fraction of a second, a migrate several.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from pgconveyor.ops.cluster import Cluster
from pgconveyor.ops.migrate import migrate


def with_dbname(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{dbname}", parts.query, parts.fragment))


@pytest.fixture(scope="session")
def admin_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    cluster = Cluster.default()
    cluster.start()
    return cluster.url("postgres")


def create_database(admin_url: str, name: str, template: str | None = None) -> str:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        if template:
            conn.execute(f'create database "{name}" template "{template}"')
        else:
            conn.execute(f'create database "{name}"')
    return with_dbname(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture(scope="session")
def template_db(admin_url: str) -> Iterator[str]:
    """A database migrated once per session (with pgTAP installed), cloned by every test."""
    name = f"conveyor_tmpl_{os.getpid()}"
    url = create_database(admin_url, name)
    # Test databases always get pgmq (the extension if the server has it, else its
    # SQL), also on a DATABASE_URL server where migrate would not install it itself.
    migrate(url, install_pgmq=True)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create extension if not exists pgtap")
    yield name
    drop_database(admin_url, name)


@pytest.fixture(scope="module")
def cron_url(admin_url: str) -> str:
    """The database pg_cron runs in (`conveyor` in the embedded cluster), migrated as `conveyor migrate` does.

    pg_cron schedules only in cron.database_name; tests that need it to fire in their
    own database use cron.schedule_in_database from here.
    """
    try:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            dbname = conn.execute("show cron.database_name").fetchone()[0]
    except psycopg.Error:
        pytest.skip("pg_cron is not loaded on this server (shared_preload_libraries)")
    url = with_dbname(admin_url, dbname)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("create extension if not exists pg_cron")
    except psycopg.Error as exc:
        pytest.skip(f"pg_cron cannot be created in {dbname}: {exc}")
    migrate(url)
    return url


@pytest.fixture
def db_url(admin_url: str, template_db: str) -> Iterator[str]:
    """A fresh, migrated database of this test's own."""
    name = f"conveyor_t_{uuid.uuid4().hex[:12]}"
    url = create_database(admin_url, name, template=template_db)
    yield url
    drop_database(admin_url, name)


@pytest.fixture
def conn(db_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(db_url, autocommit=True) as connection:
        yield connection


@pytest.fixture(scope="session")
def pgtap_connection(admin_url: str, template_db: str) -> Iterator[psycopg.Connection[Any]]:
    """pytest-pgtap runs every tests/sql/**/test_*.sql file on this connection, each in a rolled-back transaction."""
    name = f"conveyor_pgtap_{os.getpid()}"
    url = create_database(admin_url, name, template=template_db)
    with psycopg.connect(url) as connection:
        yield connection
    drop_database(admin_url, name)
