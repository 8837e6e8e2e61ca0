-- The prefix rule's counters (`prefix`, `prefix_approved`) were one row per prefix and hour. A start holds that row
-- from its first round trip to its commit, so every start and approval of one prefix waited for the one before it
-- to commit: the benchmark's starts, whose numbers run through a few prefixes at a time as a pumping script's do,
-- queued on two rows. Now only a prefix's first `p_exact` starts of the hour (the rule's minimum) are counted in
-- one row, one after the other, so that the start that reaches the minimum is judged on an exact count however
-- many arrive at once; the starts after them, and every approval, add to one of the counter's shards picked at
-- random, and the rule reads the sum of the hour's rows.

-- Counts a start against its number's prefix, unless the prefix is blocked or the number is on the Safe List:
-- in shard 0 while it holds fewer than `p_exact` starts, in shard `p_shard` (not 0) after that. Answers the
-- seconds the prefix stays blocked (NULL when it is not), the hour's starts before this one and its approvals
-- (counted by checks, `verifyd_check_metered`). Each statement of a VOLATILE function sees the commits before it:
-- a start that waited for shard 0 and found it full then counts elsewhere and reads the full row in the sum.
CREATE FUNCTION verifyd_count_prefix(
    p_prefix text, p_bucket integer, p_phone text, p_exact integer, p_shard integer)
RETURNS TABLE (blocked_for integer, starts integer, approved integer)
LANGUAGE plpgsql AS $function$
#variable_conflict use_column
DECLARE
    v_start timestamptz := to_timestamp(floor(extract(epoch FROM now()) / 3600) * 3600);
    v_blocked_for integer;
    v_first bigint;
    v_counted boolean := false;
BEGIN
    IF NOT EXISTS (SELECT FROM safe_list_numbers WHERE bucket = p_bucket AND phone = p_phone) THEN
        SELECT ceil(extract(epoch FROM b.blocked_until - now()))::integer INTO v_blocked_for
        FROM prefix_blocks b WHERE b.prefix = p_prefix AND b.blocked_until > now();
        IF v_blocked_for IS NULL THEN
            SELECT c.hits INTO v_first FROM abuse_counters c
            WHERE c.rule = 'prefix' AND c.subject = p_prefix AND c.window_start = v_start AND c.shard = 0;
            IF v_first IS NULL THEN
                -- A concurrent first start waits here for the other's row, then counts below.
                INSERT INTO abuse_counters (rule, subject, window_start, shard, window_end, hits)
                VALUES ('prefix', p_prefix, v_start, 0, v_start + interval '1 hour', 1)
                ON CONFLICT DO NOTHING;
                v_counted := FOUND;
            END IF;
            IF NOT v_counted AND coalesce(v_first, 0) < p_exact THEN
                UPDATE abuse_counters c SET hits = c.hits + 1
                WHERE c.rule = 'prefix' AND c.subject = p_prefix AND c.window_start = v_start AND c.shard = 0
                    AND c.hits < p_exact;
                v_counted := FOUND;
            END IF;
            IF NOT v_counted THEN
                INSERT INTO abuse_counters AS c (rule, subject, window_start, shard, window_end, hits)
                VALUES ('prefix', p_prefix, v_start, p_shard, v_start + interval '1 hour', 1)
                ON CONFLICT (rule, subject, window_start, shard) DO UPDATE SET hits = c.hits + 1;
                v_counted := true;
            END IF;
        END IF;
    END IF;
    RETURN QUERY
    SELECT v_blocked_for,
        CASE WHEN v_counted THEN coalesce(sum(a.hits) FILTER (WHERE a.rule = 'prefix'), 0) - 1 ELSE 0 END::integer,
        coalesce(sum(a.hits) FILTER (WHERE a.rule = 'prefix_approved'), 0)::integer
    FROM abuse_counters a
    WHERE a.rule IN ('prefix', 'prefix_approved') AND a.subject = p_prefix AND a.window_start = v_start;
END
$function$;

-- The signature before this migration, for an instance not yet upgraded: every start counted in shard 0, as then.
CREATE OR REPLACE FUNCTION verifyd_count_prefix(p_prefix text, p_bucket integer, p_phone text)
RETURNS TABLE (blocked_for integer, starts integer, approved integer)
LANGUAGE sql AS $function$
    SELECT * FROM verifyd_count_prefix(p_prefix, p_bucket, p_phone, 2147483647, 0)
$function$;

-- Takes units of a counter as `verifyd_take` does, in a block: `p_block` units for the instance to spend on this
-- request and its next ones without writing the counter (CounterLeases.swift), or, when no shard has room for the
-- block, the `p_units` this request needs. Answers as `verifyd_take`, with how many units it took (`units`) and the
-- seconds left in the counter's hour (`window_seconds`), which is as long as a block may be spent.
CREATE FUNCTION verifyd_take_block(
    p_rule text, p_subject text, p_units integer, p_block integer, p_limit integer, p_shards integer,
    p_first integer)
RETURNS TABLE (
    took boolean, units integer, window_seconds integer, total integer, retry_after integer, contended boolean)
LANGUAGE plpgsql AS $function$
DECLARE
    v_start timestamptz := to_timestamp(floor(extract(epoch FROM now()) / 3600) * 3600);
    v_units integer := greatest(p_block, p_units);
    t record;
BEGIN
    SELECT * INTO t FROM verifyd_take(p_rule, p_subject, v_units, p_limit, p_shards, p_first);
    IF NOT t.took AND v_units > p_units THEN
        v_units := p_units;
        SELECT * INTO t FROM verifyd_take(p_rule, p_subject, v_units, p_limit, p_shards, p_first);
    END IF;
    RETURN QUERY SELECT t.took, CASE WHEN t.took THEN v_units ELSE 0 END,
        ceil(extract(epoch FROM v_start + interval '1 hour' - now()))::integer, t.total, t.retry_after, t.contended;
END
$function$;

-- A check: `verifyd_check` (migration 0002, whose comment argues why it keeps every guarantee), with what used to
-- take statements of their own, in one function whose plans stay cached:
-- * When `p_rule` is set, first the credential's check counter, in a block (`verifyd_take_block`). The code is
--   compared only when it took, or when the rule only records (`p_enforced` false).
-- * The service's liveness, which the caller's statement used to test around the call: a deleted service's
--   verifications are neither locked nor checked.
-- * When the check approved and `p_prefix` is set, the approval for the prefix rule, in shard `p_prefix_shard`. It
--   used to be a second statement and a second commit.
-- Always one row: the counter's answer (took, no units, NULLs and not contended without a counter), then
-- `verifyd_check`'s columns (NULL when nothing was found or compared).
CREATE FUNCTION verifyd_check_metered(
    p_rule text, p_subject text, p_block integer, p_limit integer, p_shards integer, p_first integer,
    p_enforced boolean, p_prefix text, p_prefix_shard integer,
    p_bucket integer, p_service text, p_phone text, p_sid text, p_key_ids text[], p_hashes bytea[],
    p_failure_cap integer, p_failure_window integer)
RETURNS TABLE (
    took boolean, units integer, window_seconds integer, total integer, retry_after integer, contended boolean,
    live_sid text, live_status text, live_seconds_until_expiry integer, open boolean,
    sid text, service_sid text, phone text, channel text, status text, locale text, check_attempts smallint,
    created_at timestamptz, updated_at timestamptz, expires_at timestamptz)
LANGUAGE plpgsql AS $function$
DECLARE
    v_took boolean := true;
    v_units integer := 0;
    v_window integer;
    v_total integer;
    v_retry integer;
    v_contended boolean := false;
    v_phone text := p_phone;
    v_start timestamptz;
    c record;
BEGIN
    IF p_rule IS NOT NULL THEN
        SELECT t.took, t.units, t.window_seconds, t.total, t.retry_after, t.contended
        INTO v_took, v_units, v_window, v_total, v_retry, v_contended
        FROM verifyd_take_block(p_rule, p_subject, 1, p_block, p_limit, p_shards, p_first) t;
        IF NOT v_took AND p_enforced THEN
            v_phone := NULL;
        END IF;
    END IF;
    IF NOT EXISTS (SELECT FROM services s WHERE s.sid = p_service AND s.deleted_at IS NULL) THEN
        v_phone := NULL;
    END IF;
    -- verifyd_check finds nothing for a NULL number, so it compares and writes nothing.
    SELECT * INTO c FROM verifyd_check(p_bucket, p_service, v_phone, p_sid, p_key_ids, p_hashes, p_failure_cap,
        p_failure_window);
    IF p_prefix IS NOT NULL AND c.sid IS NOT NULL AND c.status = 'approved' THEN
        v_start := to_timestamp(floor(extract(epoch FROM now()) / 3600) * 3600);
        INSERT INTO abuse_counters AS a (rule, subject, window_start, shard, window_end, hits)
        VALUES ('prefix_approved', p_prefix, v_start, p_prefix_shard, v_start + interval '1 hour', 1)
        ON CONFLICT (rule, subject, window_start, shard) DO UPDATE SET hits = a.hits + 1;
    END IF;
    RETURN QUERY SELECT v_took, v_units, v_window, v_total, v_retry, v_contended, c.live_sid, c.live_status,
        c.live_seconds_until_expiry, c.open, c.sid, c.service_sid, c.phone, c.channel, c.status, c.locale,
        c.check_attempts, c.created_at, c.updated_at, c.expires_at;
END
$function$;
