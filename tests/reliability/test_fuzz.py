"""Item 21: hypothesis-driven sequences of enqueue, claim, complete, fail, expire, release and requeue.

A model of every job (where it is, its attempts, its current lease token) runs beside
the real database; after every step each job must be exactly where the model says,
with exactly one terminal outcome, and every stale token must have been refused.
Example counts are kept small for CI (about 10 s); raise FUZZ_EXAMPLES to dig deeper.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import psycopg
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test


@dataclass
class Model:
    state: str  # queued, running, completed, dead
    attempts: int
    max_attempts: int
    due: bool = True
    token: uuid.UUID | None = None


class JobMachine(RuleBasedStateMachine):
    url = ""

    def __init__(self) -> None:
        super().__init__()
        self.conn = psycopg.connect(self.url, autocommit=True)
        self.conn.execute("truncate conveyor.jobs, conveyor.job_history, conveyor.dead_letters")
        self.jobs: dict[int, Model] = {}
        self.tokens: list[tuple[int, uuid.UUID]] = []  # every token ever handed out, stale ones included

    def teardown(self) -> None:
        self.conn.close()

    def _owned(self, job_id: int, token: uuid.UUID) -> bool:
        m = self.jobs[job_id]
        return m.state == "running" and m.token == token

    # -- steps ------------------------------------------------------------------

    @rule(n=st.integers(1, 3), max_attempts=st.integers(1, 3))
    def enqueue(self, n: int, max_attempts: int) -> None:
        for _ in range(n):
            jid = self.conn.execute(
                "select conveyor.enqueue('fuzz_work', p_max_attempts => %s)", (max_attempts,)
            ).fetchone()[0]
            self.jobs[jid] = Model("queued", 0, max_attempts)

    @rule(batch=st.integers(1, 5))
    def claim(self, batch: int) -> None:
        rows = self.conn.execute(
            "select id, lease_token, attempt from conveyor.claim_batch('fuzz', %s)", (batch,)
        ).fetchall()
        due = {j for j, m in self.jobs.items() if m.state == "queued" and m.due}
        assert len(rows) == min(batch, len(due))
        for jid, token, attempt in rows:
            assert jid in due, f"job {jid} was claimed while not due or not queued"
            m = self.jobs[jid]
            m.state, m.token, m.attempts = "running", token, m.attempts + 1
            assert attempt == m.attempts
            self.tokens.append((jid, token))

    def _pick(self, data) -> tuple[int, uuid.UUID] | None:
        if not self.tokens:
            return None
        return data.draw(st.sampled_from(self.tokens))

    @rule(data=st.data())
    def complete(self, data) -> None:
        pick = self._pick(data)
        if pick is None:
            return
        jid, token = pick
        owned = self._owned(jid, token)
        done = self.conn.execute("select conveyor.complete_jobs(%s, %s)", ([jid], [token])).fetchall()
        assert bool(done) == owned
        if owned:
            self.jobs[jid].state, self.jobs[jid].token = "completed", None

    @rule(data=st.data(), permanent=st.booleans())
    def fail(self, data, permanent: bool) -> None:
        pick = self._pick(data)
        if pick is None:
            return
        jid, token = pick
        m = self.jobs[jid]
        owned = self._owned(jid, token)
        try:
            outcome = self.conn.execute(
                "select conveyor.fail_job(%s, %s, 'fuzz failure', null, %s)", (jid, token, permanent)
            ).fetchone()[0]
        except psycopg.Error as exc:
            assert exc.sqlstate == "CV001" and not owned
            return
        assert owned
        expected = "dead" if permanent or m.attempts >= m.max_attempts else "retry"
        assert outcome == expected
        m.token = None
        m.state, m.due = ("dead", False) if expected == "dead" else ("queued", False)

    @rule(data=st.data())
    def extend(self, data) -> None:
        pick = self._pick(data)
        if pick is None:
            return
        jid, token = pick
        kept = self.conn.execute("select conveyor.extend_leases(%s, %s)", ([jid], [token])).fetchall()
        assert bool(kept) == self._owned(jid, token)

    @rule(data=st.data())
    def release(self, data) -> None:
        pick = self._pick(data)
        if pick is None:
            return
        jid, token = pick
        owned = self._owned(jid, token)
        back = self.conn.execute("select conveyor.release_jobs(%s, %s)", ([jid], [token])).fetchall()
        assert bool(back) == owned
        if owned:
            m = self.jobs[jid]
            m.state, m.token, m.attempts, m.due = "queued", None, m.attempts - 1, True

    @rule()
    def expire(self) -> None:
        """Time passes: every lease runs out and every backoff ends; rescue runs."""
        self.conn.execute("update conveyor.jobs set locked_until = now() - interval '1 second' where state = 'running'")
        self.conn.execute("select conveyor.rescue_expired()")
        self.conn.execute("update conveyor.jobs set run_at = now() - interval '1 second' where state = 'queued'")
        # Moving run_at into the past puts jobs behind the session's claim hint, where in
        # real time a backoff's end never lands (it is later than any claim before it);
        # claim_batch finds such stragglers by a deeper claim, not at once (its header).
        # Forget the hint, as the time that passed here would have made it irrelevant.
        self.conn.execute("select set_config('conveyor.claim_state', '', false)")
        for m in self.jobs.values():
            if m.state == "running":
                m.token = None
                m.state = "dead" if m.attempts >= m.max_attempts else "queued"
            if m.state == "queued":
                m.due = True

    @rule(batch=st.integers(1, 5))
    def expire_then_reclaim(self, batch: int) -> None:
        """The usual road to a stale owner: a lease runs out and another worker claims the job."""
        self.expire()
        self.claim(batch)

    @rule(data=st.data())
    def requeue(self, data) -> None:
        dead = sorted(j for j, m in self.jobs.items() if m.state == "dead")
        if not dead:
            return
        jid = data.draw(st.sampled_from(dead))
        self.conn.execute("select conveyor.requeue_dead(%s::bigint)", (jid,))
        m = self.jobs[jid]
        m.state, m.attempts, m.due = "queued", 0, True

    # -- invariants -------------------------------------------------------------

    @invariant()
    def every_job_is_where_the_model_says(self) -> None:
        live = {
            r[0]: (r[1], r[2], r[3])
            for r in self.conn.execute("select id, state::text, attempts, lease_token from conveyor.jobs").fetchall()
        }
        history = [r[0] for r in self.conn.execute("select id from conveyor.job_history").fetchall()]
        dead = [r[0] for r in self.conn.execute("select id from conveyor.dead_letters").fetchall()]
        assert len(history) == len(set(history)), "a job completed twice"
        assert not (set(history) & set(live)) and not (set(history) & set(dead)) and not (set(dead) & set(live))
        for jid, m in self.jobs.items():
            if m.state in ("queued", "running"):
                assert live.get(jid) == (m.state, m.attempts, m.token), (jid, m, live.get(jid))
            elif m.state == "completed":
                assert jid in history
            else:
                assert jid in dead
        assert set(live) | set(history) | set(dead) == set(self.jobs), "a job appeared from nowhere or vanished"


def test_random_sequences_keep_every_invariant(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        # An hour of backoff: a retried job is not due until the machine lets time pass.
        conn.execute(
            "select conveyor.register_job_type('fuzz_work', p_max_attempts => 3,"
            " p_backoff_base => interval '1 hour', p_backoff_cap => interval '1 hour')"
        )
    JobMachine.url = db_url
    run_state_machine_as_test(
        JobMachine,
        settings=settings(
            max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")),
            stateful_step_count=40,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
