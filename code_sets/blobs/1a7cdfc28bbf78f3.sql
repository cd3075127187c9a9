-- conveyor._grant_api_role
-- Grants (or revokes) membership in conveyor_producer or conveyor_reader to a named role, refusing the API roles.
--
-- Security invoker: the caller must be allowed to grant the group role (CREATEROLE
-- or its admin option), as the role that migrates is. anon and authenticated are
-- Supabase's internet-facing roles, PUBLIC is everyone: none may produce or read.
create or replace function conveyor._grant_api_role(p_group text, p_role text, p_grant boolean)
returns void
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
    if p_group not in ('conveyor_producer', 'conveyor_reader') then
        raise exception 'conveyor: % is not one of conveyor''s roles', coalesce(pg_catalog.quote_literal(p_group), 'NULL')
            using errcode = '22023';
    end if;
    if p_role is null or not exists (select from pg_catalog.pg_roles as r where r.rolname = p_role) then
        raise exception 'conveyor: no role named %', coalesce(pg_catalog.quote_literal(p_role), 'NULL')
            using errcode = '22023', hint = 'Create it first (create role ... login), or name an existing one.';
    end if;
    if p_grant and p_role in ('anon', 'authenticated', 'public', 'authenticator', 'conveyor_producer', 'conveyor_reader')
    then
        raise exception 'conveyor: % may not be granted %', p_role, p_group
            using errcode = '22023',
                  hint = 'anon and authenticated are reachable from the internet, and authenticator can become them: '
                      || 'grant a server-side role such as service_role, or a role of your own.';
    end if;
    if p_grant then
        execute pg_catalog.format('grant %I to %I', p_group, p_role);
    else
        execute pg_catalog.format('revoke %I from %I', p_group, p_role);
    end if;
end;
$$;
