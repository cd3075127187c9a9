-- The health threshold for old transactions: one that stays open this long holds
-- back vacuum of the hot jobs table (dead row versions pile up and claims slow down).
-- depends: 0200_routing

insert into conveyor.settings (name, value, description)
values (
    'health_old_xact_max',
    '5 minutes',
    'degraded when a transaction in this database has been open longer than this (it holds back vacuum)'
)
on conflict (name) do nothing;
