-- An approving check wrote a failure row for a number that had none: 0002's gate is an upsert, so a first check
-- that succeeds inserted a row with no failure (heap, two indexes, the speculative insertion's confirmation), only
-- to serialize with other checks of the number. pgbench, the check with the right code on fresh numbers, 32
-- clients, two runs of each in turn: with the upsert 13.5-13.6 WAL records and 2,560-2,630 bytes a check and
-- 2,890-3,020 checks per second; as below 7.9-8.0 records, 1,680-1,750 bytes and 3,540-3,740 a second (issue 7's
-- schema: 9.6-9.8, 1,930-2,060 and 3,390-3,770). The check is now a few statements in the function instead of one
-- with data-modifying CTEs, and an approval writes the failure row only to clear failures it has.
--
-- Why 0002's guarantees still hold (READ COMMITTED), point by point:
-- * Exactly-once approval, attempts counted with the compare, out of attempts means 429, expiry: as in 0002. The
--   first statement locks the live verification FOR UPDATE and computes `open` and the match on its current
--   version; a check that waited for the lock sees the row its predecessor committed, or skips it once it is no
--   longer live. The match leaves the function only through the verification's update, which counts the attempt,
--   and nothing else reads it.
-- * The per-phone cap. A wrong code still passes 0002's upsert, evaluated on the latest committed version of the
--   row with the row locked, so wrong codes stop exactly at the cap. A right code reads the row FOR UPDATE in a
--   statement of its own, after the verification's lock is held, so with a snapshot that holds every check that
--   compared a code for this (service, number) before it: such a check compared the number's pending verification
--   (`open`), a number has at most one (verifications_one_pending), and a check holds that verification's lock
--   until it commits; a new pending verification exists only once the old one stopped being pending, which waits
--   for the same lock. A row that exists is read at its latest committed version, locked (FOR UPDATE, as the
--   upsert locks it), and cleared only when the right code is admitted. Locks are taken verification first, then
--   the failure row, as before.
-- * What a compare reveals and what the database sees: as in 0002.
-- The counter (when `p_rule` is set) and the approval for the prefix rule are 0014's.
CREATE OR REPLACE FUNCTION verifyd_check_metered(
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
#variable_conflict use_column
DECLARE
    v_phone text := p_phone;
    v_start timestamptz;
    v_matched boolean;
    v_failures integer;
    v_last_failure timestamptz;
    v_passed boolean;
BEGIN
    took := true;
    units := 0;
    contended := false;
    IF p_rule IS NOT NULL THEN
        SELECT t.took, t.units, t.window_seconds, t.total, t.retry_after, t.contended
        INTO took, units, window_seconds, total, retry_after, contended
        FROM verifyd_take_block(p_rule, p_subject, 1, p_block, p_limit, p_shards, p_first) t;
        IF NOT took AND p_enforced THEN
            -- The first statement finds nothing for a NULL number, so nothing is compared or written.
            v_phone := NULL;
        END IF;
    END IF;
    -- The live verification, locked until the check commits: the statements below take their snapshots after it.
    SELECT v.sid, v.status, ceil(extract(epoch FROM v.expires_at - now()))::integer,
        v.status = 'pending' AND v.check_attempts < v.max_check_attempts AND v.expires_at > now(),
        coalesce(v.code_hash = p_hashes[array_position(p_key_ids, v.key_id)], false)
    INTO live_sid, live_status, live_seconds_until_expiry, open, v_matched
    FROM verifications v
    WHERE v.bucket = p_bucket AND v.service_sid = p_service AND v.phone = v_phone
        AND (p_sid IS NULL OR v.sid = p_sid) AND v.status IN ('pending', 'max_attempts_reached')
        AND EXISTS (SELECT FROM services s WHERE s.sid = p_service AND s.deleted_at IS NULL)
    ORDER BY v.created_at DESC LIMIT 1
    FOR UPDATE OF v;
    IF open THEN
        IF v_matched THEN
            -- No row means no failure to clear and none to count: nothing is written.
            SELECT f.consecutive_failures, f.last_failure_at INTO v_failures, v_last_failure
            FROM phone_check_failures f
            WHERE f.bucket = p_bucket AND f.service_sid = p_service AND f.phone = v_phone
            FOR UPDATE;
            v_passed := v_failures IS NULL OR v_failures < p_failure_cap
                OR v_last_failure <= now() - p_failure_window * interval '1 second';
            IF v_passed AND v_failures > 0 THEN
                UPDATE phone_check_failures f SET consecutive_failures = 0, last_failure_at = NULL
                WHERE f.bucket = p_bucket AND f.service_sid = p_service AND f.phone = v_phone;
            END IF;
        ELSE
            -- 0002's gate for a wrong code: admitted under the cap, counted in the same upsert.
            INSERT INTO phone_check_failures AS f (bucket, service_sid, phone, consecutive_failures, last_failure_at)
            VALUES (p_bucket, p_service, v_phone, 1, now())
            ON CONFLICT ON CONSTRAINT phone_check_failures_pkey DO UPDATE SET
                consecutive_failures = CASE
                    WHEN f.last_failure_at > now() - p_failure_window * interval '1 second'
                    THEN f.consecutive_failures + 1 ELSE 1 END,
                last_failure_at = now()
            WHERE f.consecutive_failures < p_failure_cap
                OR f.last_failure_at <= now() - p_failure_window * interval '1 second';
            v_passed := FOUND;
        END IF;
        IF v_passed THEN
            UPDATE verifications v SET check_attempts = v.check_attempts + 1,
                status = CASE
                    WHEN v_matched THEN 'approved'
                    WHEN v.check_attempts + 1 >= v.max_check_attempts THEN 'max_attempts_reached'
                    ELSE 'pending' END,
                code_ciphertext = CASE
                    WHEN NOT v_matched AND v.check_attempts + 1 < v.max_check_attempts THEN v.code_ciphertext END,
                updated_at = now()
            WHERE v.bucket = p_bucket AND v.sid = live_sid
            RETURNING v.sid, v.service_sid, v.phone, v.channel, v.status, v.locale, v.check_attempts, v.created_at,
                v.updated_at, v.expires_at
            INTO sid, service_sid, phone, channel, status, locale, check_attempts, created_at, updated_at, expires_at;
        END IF;
    END IF;
    IF p_prefix IS NOT NULL AND sid IS NOT NULL AND status = 'approved' THEN
        v_start := to_timestamp(floor(extract(epoch FROM now()) / 3600) * 3600);
        INSERT INTO abuse_counters AS a (rule, subject, window_start, shard, window_end, hits)
        VALUES ('prefix_approved', p_prefix, v_start, p_prefix_shard, v_start + interval '1 hour', 1)
        ON CONFLICT (rule, subject, window_start, shard) DO UPDATE SET hits = a.hits + 1;
    END IF;
    RETURN NEXT;
END
$function$;
