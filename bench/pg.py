"""PostgreSQL helpers for the benches: databases made and dropped on the server that --postgres names."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


async def database_exists(base: str, name: str) -> bool:
    import asyncpg

    conn = await asyncpg.connect(base)
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


async def create_database(
    base: str,
    name: str,
    *,
    drop: bool = False,
    template: str | None = None,
    comment: str | None = None,
    create: bool = True,
) -> float:
    """(Re)create database `name`, from `template` if given; returns the number kept as the template's
    comment (the seconds its dataset took to build), else 0."""
    import asyncpg

    conn = await asyncpg.connect(base)
    try:
        if drop:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not create:
            return 0.0
        if template:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        if comment is not None:
            await conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{float(comment):.1f}'")
        if template:
            kept = await conn.fetchval(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", template
            )
            try:
                return float(kept or 0)
            except ValueError:
                return 0.0
        return 0.0
    finally:
        await conn.close()


async def check_server(url: str) -> str | None:
    """Why the benches cannot use this server (unreachable, refused, no right to create databases), or None."""
    import asyncpg

    try:
        conn = await asyncpg.connect(url, timeout=5)
    except (OSError, TimeoutError, asyncpg.PostgresError, ValueError) as exc:
        return f"cannot connect ({exc})"
    try:
        allowed = await conn.fetchval("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user")
    finally:
        await conn.close()
    return None if allowed else "this user may not create databases (the benches make and drop bench_* databases)"
