"""Issue 11, item 2: every public conveyor.* function called with hostile arguments.

The functions are read from pg_proc (schema conveyor, not starting with "_"), so a
new function is fuzzed without touching this file. Each argument is drawn by its
type: NULLs, empty, huge and hostile strings, ±infinity, huge and negative numbers
and intervals, malformed JSON shapes, and real ids, tokens and names of other rows.
Each call must either succeed or fail with 22023, CV001 or P0002 and a message that
starts with "conveyor:"; a failed call must change no row of any conveyor (or pgmq)
table; and after a call that succeeded, every health view and health() must still
answer (a value taken but unreadable later, like run_at '-infinity' was, fails here).

Each function gets FUZZ_BAD_INPUT_EXAMPLES examples (12 by default: about 30 s for
every function in CI); raise it to dig deeper.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

EXAMPLES = int(os.environ.get("FUZZ_BAD_INPUT_EXAMPLES", "12"))
ALLOWED = {"22023", "CV001", "P0002"}

# Errors a function may raise on purpose beyond ALLOWED, each with its reason.
EXTRA_ALLOWED: dict[str, dict[str, str]] = {
    # A dead job whose dedup key a live job holds: the unique index's own code, documented in docs/sql-api.md.
    "requeue_dead": {"23505": "a live job holds the dead job's dedup key"},
}

# Functions not called at all, each with its reason. Keep this list short.
EXCLUDED: dict[str, str] = {}

HOSTILE_TEXT = [
    "",
    " ",
    "x" * 70_000,
    "Robert'); drop table conveyor.jobs; --",
    "$$; select 1; $$",
    "a\\b",
    "\uff4d\uff45\uff54\uff52\uff49\uff43",  # fullwidth look-alike of "metric"
    "metric\n",
    "METRIC",
    "a" * 64,
    "%",
    "*",
    "null",
]
NAMES = ["metric", "alert", "calendar_sync", "housekeeping", "risk_check", "alert_jobs", "fuzz_type", "no_such_name"]
HOSTILE_INTERVALS = [
    "0",
    "-1 second",
    "1 microsecond",
    "1 second",
    "30 seconds",
    "1 day",
    "-1000000 years",
    "1000000 years",
    "178000000 years",
    "-178000000 years",
]
HOSTILE_TIMES = ["infinity", "-infinity", "4713-01-01 00:00:00+00 BC", "294276-12-31 00:00:00+00", "2200-01-01", "now"]
INTS = [0, -1, 1, 3, 25, 32_768, -32_769, 2**31 - 1, -(2**31)]
BIGINTS = [*INTS, 2**63 - 1, -(2**63)]
FLOATS = [0.0, -1.0, 1e300, -1e300, float("inf"), float("-inf"), float("nan")]
JSONS: list[Any] = [
    {},
    [],
    "a string",
    1,
    None,
    {"payload": {}},
    [{}],
    [1, "x", None],
    [{"payload": {}, "delay_seconds": 1e300}],
    [{"payload": {}, "run_at": "garbage"}],
    [{"payload": {}, "run_at": "-infinity"}],
    [{"payload": {}, "priority": 1.5}, {"payload": {}, "priority": "high"}],
    [{"payload": {}, "max_attempts": 0}, {"payload": {}, "dedup_key": ""}],
    [{"job_type": "metric", "payload": {}, "dedup_key": "d"}, {"job_type": "metric", "payload": {}, "dedup_key": "d"}],
    [{"job_type": "Robert'); --", "payload": {}}],
    [{"job_type": ["metric"], "payload": {"a": 1}}],
    [{"payload": {"nested": {"deep": [1, 2, {"x": None}]}}, "priority": 10**40}],
    {"a": "x" * 10_000},
]


@dataclass
class Function:
    signature: str  # conveyor.name(type, ...), as regprocedure prints it
    name: str
    types: list[str]
    args: list[str]  # parameter names, to draw plausible values as well as hostile ones
    defaults: int


def public_functions(conn: psycopg.Connection[Any]) -> list[Function]:
    rows = conn.execute(
        """
        select p.oid::regprocedure::text, p.proname::text,
               array(select format_type(t, null)
                     from unnest(p.proargtypes::oid[]) with ordinality as a (t, i) order by i),
               coalesce(p.proargnames[1:p.pronargs], array[]::text[]), p.pronargdefaults
        from pg_catalog.pg_proc as p
        where p.pronamespace = 'conveyor'::regnamespace and p.prokind = 'f' and p.proname !~ '^_'
          and p.prorettype <> 'trigger'::regtype
        order by 1
        """
    ).fetchall()
    return [Function(sig, name, list(t), list(a), d) for sig, name, t, a, d in rows if name not in EXCLUDED]


def table_checksum(conn: psycopg.Connection[Any]) -> dict[str, str]:
    tables = conn.execute(
        """
        select format('%I.%I', n.nspname, c.relname)
        from pg_catalog.pg_class as c join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
        where n.nspname in ('conveyor', 'pgmq') and c.relkind in ('r', 'p') and c.relname !~ 'yoyo'
        order by 1
        """
    ).fetchall()
    parts = [
        sql.SQL("select {name}, md5(coalesce(string_agg(t::text, ',' order by t::text), '')) from {table} as t").format(
            name=sql.Literal(t), table=sql.SQL(t)
        )
        for (t,) in tables
    ]
    return dict(conn.execute(sql.SQL(" union all ").join(parts)).fetchall())


class World:
    """Real rows to draw ids, tokens and names from, refreshed after each call."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self.refresh()

    def refresh(self) -> None:
        c = self.conn
        self.job_ids = [r[0] for r in c.execute("select id from conveyor.jobs order by id limit 20")]
        self.job_ids += [r[0] for r in c.execute("select id from conveyor.dead_letters order by id limit 20")]
        self.tokens = [r[0] for r in c.execute("select lease_token from conveyor.jobs where lease_token is not null")]
        self.outbox_ids = [r[0] for r in c.execute("select id from conveyor.inngest_outbox order by id limit 10")]
        self.settings = [r[0] for r in c.execute("select name from conveyor.settings")]
        self.types = [r[0] for r in c.execute("select name from conveyor.job_types order by name")]
        self.schedules = [r[0] for r in c.execute("select name from conveyor.schedules order by name")]
        self.messages = c.execute("select msg_id, read_ct from pgmq.q_alert_jobs order by msg_id").fetchall()


def pick(pool: Any, fallback: Any) -> st.SearchStrategy[Any]:
    """One of the world's current rows, drawn as an index: the draw itself never depends on the database."""

    def choose(i: int) -> Any:
        rows = pool()
        return rows[i % len(rows)] if rows else fallback

    return st.integers(0, 63).map(choose)


def text_values(world: World) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.sampled_from(NAMES + HOSTILE_TEXT + ["*/5 * * * *", "61 * * * *", "jobs", "pgmq", "inngest"]),
        pick(lambda: world.settings, "history_retention"),
        st.sampled_from(["cron", "tick", "manual", "enqueue", "postgres", "supabase"]),
        st.text(max_size=80).filter(lambda s: "\x00" not in s),
        st.sampled_from([*HOSTILE_INTERVALS, "forever", "7 days", "10", "0", "-5"]),
    )


def int_values(world: World, big: bool) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.sampled_from(BIGINTS if big else INTS),
        pick(lambda: world.job_ids + world.outbox_ids, 1),
        st.integers(-(2**63) if big else -(2**31), 2**63 - 1 if big else 2**31 - 1),
    )


# Plausible values by parameter name: most draws take one, so that calls get past
# the first check and the hostile value of another argument reaches deeper code.
PLAUSIBLE: dict[str, Any] = {
    "p_cron": lambda w: st.sampled_from(["*/5 * * * *", "0 3 * * *", "* * * * *"]),
    "p_destination": lambda w: st.sampled_from(["jobs", "pgmq", "inngest"]),
    "p_action": lambda w: st.sampled_from(["enqueue", "housekeeping"]),
    "p_via": lambda w: st.sampled_from(["cron", "tick", "manual"]),
    "p_primary_executor": lambda w: st.sampled_from(["postgres", "supabase", "inngest"]),
    "p_value": lambda w: st.sampled_from(["7 days", "10", "1 hour", "0"]),
    "p_queue": lambda w: st.sampled_from(["alert_jobs", "metrics_jobs"]),
    "p_queue_name": lambda w: st.sampled_from(["alert_jobs", "fuzz_queue"]),
    "p_job_type": lambda w: pick(lambda: w.types, "metric"),
    "p_job_types": lambda w: st.lists(pick(lambda: w.types, "metric"), max_size=3),
    "p_job_id": lambda w: pick(lambda: w.job_ids, 1),
    "p_job_ids": lambda w: st.lists(pick(lambda: w.job_ids, 1), max_size=4),
    "p_lease_token": lambda w: pick(lambda: w.tokens, uuid.UUID(int=1)),
    "p_lease_tokens": lambda w: st.lists(pick(lambda: w.tokens, uuid.UUID(int=1)), max_size=4),
    "p_msg_id": lambda w: pick(lambda: [m[0] for m in w.messages], 1),
    "p_msg_ids": lambda w: st.lists(pick(lambda: [m[0] for m in w.messages], 1), max_size=3),
    "p_read_ct": lambda w: st.integers(0, 4),
    "p_read_cts": lambda w: st.lists(st.integers(0, 4), max_size=3),
    "p_ids": lambda w: st.lists(pick(lambda: w.outbox_ids, 1), max_size=3),
    "p_payload": lambda w: st.sampled_from([{}, {"n": 1}]),
    "p_jobs": lambda w: st.lists(
        st.fixed_dictionaries(
            {"payload": st.just({})},
            optional={
                "job_type": pick(lambda: w.types, "metric"),
                "priority": st.integers(-5, 5),
                "delay_seconds": st.integers(0, 100),
                "dedup_key": st.sampled_from(["a", "b"]),
                "max_attempts": st.integers(1, 5),
            },
        ),
        max_size=4,
    ),
    "p_worker": lambda w: st.sampled_from(["fuzzer", "w2"]),
}


def plausible_for(typ: str, arg: str, world: World) -> st.SearchStrategy[Any]:
    if arg in PLAUSIBLE:
        return PLAUSIBLE[arg](world)
    if arg == "p_name":
        return st.one_of(
            pick(lambda: world.settings, "x"), pick(lambda: world.schedules, "x"), pick(lambda: world.types, "x")
        )
    base = typ.removesuffix("[]")
    if typ.endswith("[]"):
        return st.lists(plausible_for(base, "", world), max_size=3)
    return {
        "text": st.sampled_from(["metric", "boom", "fuzz_type"]),
        "integer": st.integers(1, 50),
        "smallint": st.integers(1, 50),
        "bigint": st.integers(1, 50),
        "double precision": st.floats(0, 100),
        "boolean": st.booleans(),
        "interval": st.sampled_from(["1 second", "30 seconds", "1 hour", "7 days"]),
        "timestamp with time zone": st.sampled_from(["now", "2030-01-01"]),
        "jsonb": st.sampled_from([{}, {"n": 1}]),
        "uuid": pick(lambda: world.tokens, uuid.UUID(int=1)),
    }[base]


def argument(typ: str, arg: str, world: World) -> st.SearchStrategy[Any]:
    """Two draws in three plausible, one hostile."""
    return st.integers(0, 2).flatmap(lambda k: value_for(typ, world) if k == 0 else plausible_for(typ, arg, world))


def value_for(typ: str, world: World) -> st.SearchStrategy[Any]:
    base = typ.removesuffix("[]")
    if typ.endswith("[]"):
        return st.one_of(st.none(), st.lists(st.one_of(st.none(), value_for(base, world)), max_size=4))
    if base == "text":
        return text_values(world)
    if base in ("integer", "smallint"):
        return int_values(world, big=False)
    if base == "bigint":
        return int_values(world, big=True)
    if base == "double precision":
        return st.one_of(st.none(), st.sampled_from(FLOATS), st.floats(allow_nan=True))
    if base == "boolean":
        return st.one_of(st.none(), st.booleans())
    if base == "interval":
        return st.one_of(st.none(), st.sampled_from(HOSTILE_INTERVALS))
    if base == "timestamp with time zone":
        return st.one_of(st.none(), st.sampled_from(HOSTILE_TIMES))
    if base == "jsonb":
        return st.one_of(
            st.sampled_from(JSONS),
            st.recursive(st.none() | st.integers() | st.text(max_size=5), _json_children, max_leaves=6),
        )
    if base == "uuid":
        return st.one_of(st.none(), pick(lambda: world.tokens, uuid.UUID(int=1)), st.uuids())
    raise AssertionError(f"no strategy for argument type {typ}: add one to the fuzzer")


def _json_children(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(
            ["payload", "job_type", "priority", "run_at", "delay_seconds", "dedup_key", "max_attempts", "x"]
        ),
        children,
        max_size=4,
    )


def call(conn: psycopg.Connection[Any], fn: Function, args: list[Any]) -> None:
    placeholders = sql.SQL(", ").join(
        sql.SQL("{}::{}").format(sql.Placeholder(), sql.SQL(typ)) for typ in fn.types[: len(args)]
    )
    schema, _, name = fn.signature.partition("(")[0].partition(".")
    # Read back as text: the client never decodes (an infinite timestamp has no Python value).
    query = sql.SQL("select r::text from {}.{}({}) as r").format(
        sql.Identifier(schema), sql.Identifier(name), placeholders
    )
    params = [psycopg.types.json.Jsonb(a) if typ == "jsonb" else a for typ, a in zip(fn.types, args, strict=False)]
    conn.execute(query, params).fetchall()


READABLE = [
    "select conveyor.health()",
    "select count(*) from conveyor.job_status",
    "select count(*) from conveyor.queue_health",
    "select count(*) from conveyor.worker_health",
    "select count(*) from conveyor.schedule_health",
    "select count(*) from conveyor.list_routes()",
]


@pytest.fixture
def fuzz_conn(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("set statement_timeout = '20s'")
        conn.execute("select conveyor.register_job_type('fuzz_type', p_max_attempts => 2)")
        conn.execute("select conveyor.enqueue('fuzz_type', jsonb_build_object('n', g)) from generate_series(1, 4) g")
        conn.execute("select conveyor.enqueue('metric', '{}', p_dedup_key => 'd')")
        rows = conn.execute(
            "select id, lease_token from conveyor.claim_batch('fuzzer', 3, array['fuzz_type'])"
        ).fetchall()
        conn.execute("select conveyor.fail_job(%s, %s, 'x', p_permanent => true)", rows[0])
        conn.execute("select conveyor.dispatch('alert', '{}')")
        conn.execute("select conveyor.set_execution_mode('postgres', p_inngest_fallback => true)")
        conn.execute("select conveyor._outbox_add(999999, 'fuzz_type', '{}', 'primary')")
        yield conn


def fuzzer(conn: psycopg.Connection[Any], fn: Function, world: World, outcomes: dict[str, str]) -> Callable[[], None]:
    """A hypothesis test of one function: its arguments drawn, the call checked as the module says."""

    @settings(
        max_examples=EXAMPLES,
        # CI draws the same examples every run, so a red build names a change, not a
        # lucky draw; locally every run draws new ones (FUZZ_BAD_INPUT_EXAMPLES for more).
        derandomize=bool(os.environ.get("CI")),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        n = data.draw(st.integers(len(fn.types) - fn.defaults, len(fn.types)), label="number of arguments")
        args = [
            data.draw(argument(t, a, world), label=f"{fn.name} {a} ({t})")
            for t, a in zip(fn.types[:n], fn.args[:n], strict=True)
        ]
        before = table_checksum(conn)
        try:
            call(conn, fn, args)
            outcomes[fn.name] = outcomes.get(fn.name, "") + "."
        except psycopg.Error as exc:
            outcomes[fn.name] = outcomes.get(fn.name, "") + ("C" if exc.sqlstate == "CV001" else "x")
            allowed = ALLOWED | set(EXTRA_ALLOWED.get(fn.name, {}))
            message = exc.diag.message_primary or ""
            assert exc.sqlstate in allowed and message.startswith("conveyor:"), (
                f"{fn.signature} with {_short(args)} failed with {exc.sqlstate}: {message}"
            )
            assert table_checksum(conn) == before, f"{fn.signature} failed but changed rows"
            return
        for q in READABLE:
            try:
                conn.execute(q).fetchall()
            except psycopg.Error as exc:
                raise AssertionError(
                    f"after {fn.signature} with {_short(args)} succeeded, {q!r} fails with {exc.sqlstate}: "
                    f"{exc.diag.message_primary}"
                ) from exc
        world.refresh()

    return fuzz


def test_every_public_function_refuses_bad_input_cleanly(fuzz_conn):
    conn = fuzz_conn
    functions = public_functions(conn)
    assert len(functions) > 30, "pg_proc listing found too few functions"
    world = World(conn)
    problems: list[str] = []
    outcomes: dict[str, str] = {}  # per function: "." succeeded, "x" refused, "C" stale lease (shown with -s)

    for current in functions:
        # Earlier functions may have removed every schedule or type: give each one something to act on.
        conn.execute("select conveyor.register_job_type('fuzz_type', p_max_attempts => 2)")
        conn.execute("select conveyor.add_schedule('fuzz_schedule', '* * * * *', 'fuzz_type')")
        world.refresh()

        fuzz = fuzzer(conn, current, world, outcomes)
        try:
            fuzz()
        except Exception as exc:
            found = exc.exceptions if isinstance(exc, ExceptionGroup) else [exc]
            problems.extend(str(e).splitlines()[0][:600] for e in found)
    for name, seen in sorted(outcomes.items()):
        print(f"{name:24} {seen}")
    assert problems == [], "\n".join(problems)


def _short(args: list[Any]) -> str:
    return "(" + ", ".join(repr(a)[:60] for a in args) + ")"
