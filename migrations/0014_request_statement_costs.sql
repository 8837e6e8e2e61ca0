-- What a check and a start cost PostgreSQL, cut where the benchmark found it (callgrind, single-user backend):
-- * `verifyd_check_metered` (0012) called `verifyd_check` (0002) through a second PL/pgSQL function and a record
--   variable, and tested the service in a statement of its own: 1.48 M instructions per wrong-code check, 1.40 M
--   now. The check's statement lives in `verifyd_check_metered` itself, and `verifyd_check` calls it, so the
--   statement that carries exactly-once approval and the failure cap is still written once.
-- * `delivery_attempts` rebuilt seven CHECK constraints on every update (a third of the statement that records a
--   send: 0.70 M instructions, 0.52 M without them), as `verifications` did before 0013; the ones on columns a send
--   never changes move to a trigger, as there.

-- A check: the counter (when `p_rule` is set), then 0002's statement, then the approval for the prefix rule. The
-- argument of migration 0002 for why the statement keeps every guarantee holds word for word: the statement is
-- 0002's, with the service's liveness (which 0012 tested in a statement of its own) as a condition of `live`, so a
-- deleted service's verifications are neither locked nor checked. Results go to the function's output columns and
-- leave by RETURN NEXT, one row always, as before.
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
BEGIN
    took := true;
    units := 0;
    contended := false;
    IF p_rule IS NOT NULL THEN
        SELECT t.took, t.units, t.window_seconds, t.total, t.retry_after, t.contended
        INTO took, units, window_seconds, total, retry_after, contended
        FROM verifyd_take_block(p_rule, p_subject, 1, p_block, p_limit, p_shards, p_first) t;
        IF NOT took AND p_enforced THEN
            -- `live` finds nothing for a NULL number, so nothing is compared or written.
            v_phone := NULL;
        END IF;
    END IF;
    WITH live AS (
        SELECT v.sid, v.status, v.expires_at,
            v.status = 'pending' AND v.check_attempts < v.max_check_attempts AND v.expires_at > now() AS open,
            coalesce(v.code_hash = p_hashes[array_position(p_key_ids, v.key_id)], false) AS matched
        FROM verifications v
        WHERE v.bucket = p_bucket AND v.service_sid = p_service AND v.phone = v_phone
            AND (p_sid IS NULL OR v.sid = p_sid) AND v.status IN ('pending', 'max_attempts_reached')
            AND EXISTS (SELECT FROM services s WHERE s.sid = p_service AND s.deleted_at IS NULL)
        ORDER BY v.created_at DESC LIMIT 1
        FOR UPDATE OF v
    ), gate AS (
        INSERT INTO phone_check_failures AS f (bucket, service_sid, phone, consecutive_failures, last_failure_at)
        SELECT p_bucket, p_service, v_phone, CASE WHEN l.matched THEN 0 ELSE 1 END,
            CASE WHEN NOT l.matched THEN now() END
        FROM live l WHERE l.open
        ON CONFLICT ON CONSTRAINT phone_check_failures_pkey DO UPDATE SET
            consecutive_failures = CASE
                WHEN excluded.consecutive_failures = 0 THEN 0
                WHEN f.last_failure_at > now() - p_failure_window * interval '1 second'
                THEN f.consecutive_failures + 1 ELSE 1 END,
            last_failure_at = excluded.last_failure_at
        WHERE f.consecutive_failures < p_failure_cap
            OR f.last_failure_at <= now() - p_failure_window * interval '1 second'
        RETURNING 1
    ), checked AS (
        UPDATE verifications v SET check_attempts = v.check_attempts + 1,
            status = CASE
                WHEN l.matched THEN 'approved'
                WHEN v.check_attempts + 1 >= v.max_check_attempts THEN 'max_attempts_reached'
                ELSE 'pending' END,
            code_ciphertext = CASE
                WHEN NOT l.matched AND v.check_attempts + 1 < v.max_check_attempts THEN v.code_ciphertext END,
            updated_at = now()
        FROM live l
        WHERE v.bucket = p_bucket AND v.sid = (SELECT live.sid FROM live) AND EXISTS (SELECT FROM gate)
        RETURNING v.sid, v.service_sid, v.phone, v.channel, v.status, v.locale, v.check_attempts, v.created_at,
            v.updated_at, v.expires_at
    )
    SELECT l.sid, l.status, ceil(extract(epoch FROM l.expires_at - now()))::integer, l.open,
        c.sid, c.service_sid, c.phone, c.channel, c.status, c.locale, c.check_attempts, c.created_at, c.updated_at,
        c.expires_at
    INTO live_sid, live_status, live_seconds_until_expiry, open, sid, service_sid, phone, channel, status, locale,
        check_attempts, created_at, updated_at, expires_at
    FROM live l LEFT JOIN checked c ON true;
    IF p_prefix IS NOT NULL AND sid IS NOT NULL AND status = 'approved' THEN
        v_start := to_timestamp(floor(extract(epoch FROM now()) / 3600) * 3600);
        INSERT INTO abuse_counters AS a (rule, subject, window_start, shard, window_end, hits)
        VALUES ('prefix_approved', p_prefix, v_start, p_prefix_shard, v_start + interval '1 hour', 1)
        ON CONFLICT (rule, subject, window_start, shard) DO UPDATE SET hits = a.hits + 1;
    END IF;
    RETURN NEXT;
END
$function$;

-- 0002's signature, for an instance not yet upgraded (and for `verifyd_check_counted`, 0011): the same statement,
-- without a counter or an approval count. It answers no row when the number has no live verification, as before;
-- a deleted service's verification now reads as none, which is what the callers' own test of the service made it.
CREATE OR REPLACE FUNCTION verifyd_check(
    p_bucket integer, p_service text, p_phone text, p_sid text, p_key_ids text[], p_hashes bytea[],
    p_failure_cap integer, p_failure_window integer)
RETURNS TABLE (
    live_sid text, live_status text, live_seconds_until_expiry integer, open boolean,
    sid text, service_sid text, phone text, channel text, status text, locale text, check_attempts smallint,
    created_at timestamptz, updated_at timestamptz, expires_at timestamptz)
LANGUAGE sql AS $function$
    SELECT m.live_sid, m.live_status, m.live_seconds_until_expiry, m.open, m.sid, m.service_sid, m.phone, m.channel,
        m.status, m.locale, m.check_attempts, m.created_at, m.updated_at, m.expires_at
    FROM verifyd_check_metered(NULL, NULL, 0, 0, 0, 0, true, NULL, 0, p_bucket, p_service, p_phone, p_sid, p_key_ids,
        p_hashes, p_failure_cap, p_failure_window) m
    WHERE m.live_sid IS NOT NULL
$function$;

-- As 0013 did for `verifications`: the CHECK constraints of `delivery_attempts` on columns a send or a status
-- callback never sets run in a trigger, on insert and when one of those columns is set; the error is the same
-- (23514 under the constraint's old name). The constraints on what sends change (status, lease) stay.
CREATE FUNCTION delivery_attempts_fixed_columns_check() RETURNS trigger
LANGUAGE plpgsql AS $function$
DECLARE
    v_failed text;
BEGIN
    v_failed := CASE
        WHEN NOT NEW.bucket BETWEEN 0 AND 65535 THEN 'delivery_attempts_bucket_check'
        WHEN NOT NEW.sid ~ '^VL[0-9a-f]{32}$' THEN 'delivery_attempts_sid_check'
        WHEN NOT NEW.channel IN ('sms', 'call') THEN 'delivery_attempts_channel_check'
        WHEN NOT NEW.destination_region ~ '^([A-Z]{2}|001)$' THEN 'delivery_attempts_destination_region_check'
        WHEN NOT NEW.bucket = ('x' || substr(NEW.sid, 3, 4))::bit(16)::integer THEN 'delivery_attempts_check'
    END;
    IF v_failed IS NOT NULL THEN
        RAISE EXCEPTION 'new row for relation "delivery_attempts" violates check constraint "%"', v_failed
            USING ERRCODE = 'check_violation', TABLE = 'delivery_attempts', CONSTRAINT = v_failed;
    END IF;
    RETURN NEW;
END
$function$;

CREATE TRIGGER delivery_attempts_fixed_columns
    BEFORE INSERT OR UPDATE OF bucket, sid, channel, destination_region
    ON delivery_attempts FOR EACH ROW EXECUTE FUNCTION delivery_attempts_fixed_columns_check();

ALTER TABLE delivery_attempts
    DROP CONSTRAINT delivery_attempts_bucket_check,
    DROP CONSTRAINT delivery_attempts_sid_check,
    DROP CONSTRAINT delivery_attempts_channel_check,
    DROP CONSTRAINT delivery_attempts_destination_region_check,
    DROP CONSTRAINT delivery_attempts_check;
