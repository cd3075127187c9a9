-- conveyor._health_old_transactions
-- health()'s vacuum check: degraded when a transaction here is open longer than health_old_xact_max; the problem, or null.
--
-- Same database only: since PostgreSQL 14 only these hold back vacuum of our tables.
-- The caller's own transaction counts too. Only a count and the oldest age: health()
-- feeds an unauthenticated probe, so it never names another session's pid, user or
-- application (conveyor doctor and pg_stat_activity do, for whoever may see them).
-- Other roles' transactions are visible only to superusers and members of
-- pg_read_all_stats: grant that role to whoever calls health().
create or replace function conveyor._health_old_transactions(out problem jsonb, out open_too_long bigint)
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    v_max interval := conveyor._setting('health_old_xact_max', '5 minutes')::interval;
    v_oldest interval;
begin
    select pg_catalog.count(*), pg_catalog.clock_timestamp() - pg_catalog.min(a.xact_start)
    into open_too_long, v_oldest
    from pg_catalog.pg_stat_activity as a
    where a.datname = pg_catalog.current_database()
        and a.backend_type <> 'autovacuum worker'
        and a.xact_start < pg_catalog.clock_timestamp() - v_max;
    if open_too_long = 0 then
        return;
    end if;
    problem := pg_catalog.jsonb_build_object(
        'check', 'old_transaction', 'severity', 'degraded',
        'value', extract(epoch from v_oldest), 'threshold', extract(epoch from v_max),
        'reason', pg_catalog.format(
            '%s transaction(s) open longer than %s, the oldest for %s: '
            || 'vacuum cannot remove row versions of finished jobs',
            open_too_long, v_max, pg_catalog.date_trunc('second', v_oldest)),
        'recommendation', pg_catalog.format(
            'Find them with `conveyor doctor` or select pid, application_name, state, xact_start, query '
            || 'from pg_stat_activity where xact_start < now() - interval ''%s''; commit or roll them back, '
            || 'or end one with select pg_terminate_backend(<pid>). Set idle_in_transaction_session_timeout '
            || 'to stop it recurring.', v_max));
end;
$$;
