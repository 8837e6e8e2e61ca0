-- Issue 9's counters (migration 0009) taken by two functions instead of statement text, for two reasons:
-- * Cost. Every start sent the counters' CTE statements as text, which PostgreSQL parsed and planned each time; a
--   PL/pgSQL function keeps its plans for the session, so a start now sends a one-line call per counter.
-- * A deadlock. The statements picked a shard with `… WHERE <has room> LIMIT 1 FOR UPDATE SKIP LOCKED`. A shard
--   filled by a commit after the statement's snapshot is locked, fails the recheck of <has room> and stays locked
--   while the scan goes on, and the waiting pick that followed could then wait for a shard while holding one: two
--   starts did so the other way round (40P01, seen in CI). Here a start waits only for the one shard it tries
--   first, before it holds any of that counter, and never waits after that.

-- `rate_limit_counters` (migration 0001) was never used; issue 9's counters live in `abuse_counters`.
DROP TABLE rate_limit_counters;

-- Takes `p_units` from one shard of the hour's counter (`p_rule`, `p_subject`), whose shards each hold their share of
-- `p_limit`, so together they never pass it. Answers whether it took them, the hour's count before this call, the
-- seconds until the hour ends, and `contended`: nothing was taken although some shard still has room, which another
-- transaction holds; the caller retries the whole transaction then (rolled back, it holds nothing). The count and
-- the seconds are only for a refusal's record, so a call that took answers NULL for both rather than read every
-- shard.
--
-- It tries `p_first` first (the caller picks it at random), waiting for a start that holds it: the waiters of a
-- shard queue in order, so a crowd on one counter spreads over its shards and none waits for long. (Taking a free
-- shard with SKIP LOCKED first and waiting only when all were held starved the waiters: a newcomer took each shard
-- its holder let go before the waiter woke up, and pgbench with 256 clients on one counter ran into its statement
-- timeout.) A shard that has no room left sends it, without waiting, to the first with room that nobody holds.
-- The hour's first start makes the shards. With more configured since, the missing ones allow nothing; with fewer,
-- the rows past `p_shards` take nothing more, but the units they already hold are not counted against the others
-- (see VERIFYD_COUNTER_SHARDS in .env.example).
--
-- Counters are fixed hourly windows by the database clock (epoch seconds, so every session agrees whatever its time
-- zone). Each statement of a VOLATILE function sees the commits before it, so after a wait the update reads the
-- holder's count.
CREATE FUNCTION verifyd_take(
    p_rule text, p_subject text, p_units integer, p_limit integer, p_shards integer, p_first integer)
RETURNS TABLE (took boolean, total integer, retry_after integer, contended boolean)
LANGUAGE plpgsql AS $function$
#variable_conflict use_column
DECLARE
    v_start timestamptz := to_timestamp(floor(extract(epoch FROM now()) / 3600) * 3600);
    v_took boolean;
BEGIN
    UPDATE abuse_counters c SET hits = c.hits + p_units
    WHERE c.rule = p_rule AND c.subject = p_subject AND c.window_start = v_start AND c.shard = p_first
        AND c.hits + p_units <= p_limit / p_shards + CASE WHEN c.shard < p_limit % p_shards THEN 1 ELSE 0 END;
    IF FOUND THEN
        RETURN QUERY SELECT true, NULL::integer, NULL::integer, false;
        RETURN;
    END IF;
    IF NOT EXISTS (
        SELECT FROM abuse_counters c WHERE c.rule = p_rule AND c.subject = p_subject AND c.window_start = v_start
    ) THEN
        -- The first start of the hour makes the shards; a concurrent first start waits for the other's rows here.
        INSERT INTO abuse_counters (rule, subject, window_start, shard, window_end, hits)
        SELECT p_rule, p_subject, v_start, s, v_start + interval '1 hour', 0 FROM generate_series(0, p_shards - 1) s
        ORDER BY s
        ON CONFLICT DO NOTHING;
        UPDATE abuse_counters c SET hits = c.hits + p_units
        WHERE c.rule = p_rule AND c.subject = p_subject AND c.window_start = v_start AND c.shard = p_first
            AND c.hits + p_units <= p_limit / p_shards + CASE WHEN c.shard < p_limit % p_shards THEN 1 ELSE 0 END;
        v_took := FOUND;
    END IF;
    IF NOT coalesce(v_took, false) THEN
        UPDATE abuse_counters c SET hits = c.hits + p_units
        WHERE c.rule = p_rule AND c.subject = p_subject AND c.window_start = v_start AND c.shard = (
            SELECT h.shard FROM abuse_counters h
            WHERE h.rule = p_rule AND h.subject = p_subject AND h.window_start = v_start AND h.shard < p_shards
                AND h.hits + p_units <= p_limit / p_shards + CASE WHEN h.shard < p_limit % p_shards THEN 1 ELSE 0 END
            ORDER BY h.shard LIMIT 1 FOR UPDATE OF h SKIP LOCKED);
        v_took := FOUND;
    END IF;
    IF v_took THEN
        RETURN QUERY SELECT true, NULL::integer, NULL::integer, false;
        RETURN;
    END IF;
    RETURN QUERY
    SELECT false, coalesce(sum(c.hits), 0)::integer,
        ceil(extract(epoch FROM v_start + interval '1 hour' - now()))::integer,
        coalesce(bool_or(c.shard < p_shards
            AND c.hits + p_units <= p_limit / p_shards + CASE WHEN c.shard < p_limit % p_shards THEN 1 ELSE 0 END), false)
    FROM abuse_counters c
    WHERE c.rule = p_rule AND c.subject = p_subject AND c.window_start = v_start;
END
$function$;

-- `verifyd_check` (migration 0002) behind the credential's check counter, in one call whose plans stay cached: the
-- code is compared only when `verifyd_take` took the check, or when the rule only records (`p_enforced` false).
-- Always one row: the counter's answer, then the check's columns (NULL when nothing was compared or found).
CREATE FUNCTION verifyd_check_counted(
    p_rule text, p_subject text, p_limit integer, p_shards integer, p_first integer, p_enforced boolean,
    p_bucket integer, p_service text, p_phone text, p_sid text, p_key_ids text[], p_hashes bytea[],
    p_failure_cap integer, p_failure_window integer)
RETURNS TABLE (
    took boolean, total integer, retry_after integer, contended boolean,
    live_sid text, live_status text, live_seconds_until_expiry integer, open boolean,
    sid text, service_sid text, phone text, channel text, status text, locale text, check_attempts smallint,
    created_at timestamptz, updated_at timestamptz, expires_at timestamptz)
LANGUAGE plpgsql AS $function$
DECLARE
    t record;
BEGIN
    SELECT * INTO t FROM verifyd_take(p_rule, p_subject, 1, p_limit, p_shards, p_first);
    RETURN QUERY
    SELECT t.took, t.total, t.retry_after, t.contended, c.*
    FROM (SELECT) AS one
    LEFT JOIN verifyd_check(p_bucket, p_service, CASE WHEN t.took OR NOT p_enforced THEN p_phone END, p_sid,
        p_key_ids, p_hashes, p_failure_cap, p_failure_window) c ON true;
END
$function$;

-- Counts a start against its number's prefix, unless the prefix is blocked or the number is on the Safe List;
-- answers the seconds the prefix stays blocked (NULL when it is not), the hour's starts before this one and its
-- approvals (`prefix_approved`, counted by checks).
CREATE FUNCTION verifyd_count_prefix(p_prefix text, p_bucket integer, p_phone text)
RETURNS TABLE (blocked_for integer, starts integer, approved integer)
LANGUAGE plpgsql AS $function$
#variable_conflict use_column
DECLARE
    v_start timestamptz := to_timestamp(floor(extract(epoch FROM now()) / 3600) * 3600);
BEGIN
    RETURN QUERY
    WITH safe AS (SELECT FROM safe_list_numbers WHERE bucket = p_bucket AND phone = p_phone),
    blocked AS (
        SELECT blocked_until FROM prefix_blocks
        WHERE prefix = p_prefix AND blocked_until > now() AND NOT EXISTS (SELECT FROM safe)
    ), counted AS (
        INSERT INTO abuse_counters AS c (rule, subject, window_start, shard, window_end, hits)
        SELECT 'prefix', p_prefix, v_start, 0, v_start + interval '1 hour', 1
        WHERE NOT EXISTS (SELECT FROM safe) AND NOT EXISTS (SELECT FROM blocked)
        ON CONFLICT (rule, subject, window_start, shard) DO UPDATE SET hits = c.hits + 1
        RETURNING c.hits
    )
    SELECT (SELECT ceil(extract(epoch FROM b.blocked_until - now()))::integer FROM blocked b),
        coalesce((SELECT n.hits - 1 FROM counted n), 0)::integer,
        coalesce((SELECT a.hits FROM abuse_counters a
                  WHERE a.rule = 'prefix_approved' AND a.subject = p_prefix AND a.window_start = v_start
                    AND a.shard = 0), 0)::integer;
END
$function$;
