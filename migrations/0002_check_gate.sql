-- A check is decided by one statement, verifyd_check below: it locks the live verification, passes the phone's failure
-- gate, counts the attempt, compares the code's HMAC and writes the result at once.
--
-- The per-(service, phone) cap is now enforced where guesses are compared: every compare goes through an upsert of
-- the phone's phone_check_failures row that admits it only under the cap. That upsert also writes the outcome, so a
-- success sets the count to 0 instead of deleting the row, and a first check that succeeds leaves a row with no
-- failure yet.
ALTER TABLE phone_check_failures
    DROP CONSTRAINT phone_check_failures_consecutive_failures_check,
    ADD CONSTRAINT phone_check_failures_consecutive_failures_check CHECK (consecutive_failures >= 0),
    ALTER COLUMN last_failure_at DROP NOT NULL,
    ADD CHECK ((consecutive_failures = 0) = (last_failure_at IS NULL));

-- Why a function: verifyd sends unnamed statements (what pgbouncer's transaction mode accepts), so PostgreSQL parses
-- and plans every statement it receives, and for this one that costs about twice its execution. PL/pgSQL keeps the
-- plan of the statement inside a function for the life of the server process, for every client that calls it, so
-- there is no session state a pooler could break; the call itself is cheap to plan.
--
-- Arguments: the phone's bucket, service and number; p_sid to check that verification of the number rather than its
-- newest live one; the candidate code's HMAC under each configured key (p_hashes[i] under key p_key_ids[i]); the
-- cap on consecutive failures and the seconds after which they decay. One row comes back if the number has a live
-- verification: its SID, status, seconds until expiry and whether an attempt was open, then the verification as the
-- check left it, or NULLs when nothing was counted (expired, out of attempts, or the phone at its cap).
--
-- Why the guarantees hold (READ COMMITTED):
-- * Exactly-once approval. `live` locks the verification FOR UPDATE. A concurrent check waits for that lock; when
--   the holder commits, PostgreSQL re-reads the row and re-applies the WHERE (status still live) to its new version,
--   so the loser sees 'approved', skips the row and finds nothing. Only the lock holder writes 'approved'.
-- * Attempts counted with the compare. The equality of the candidate HMAC with the stored one is a value inside this
--   statement. It leaves only through `checked`, which exists only when the same statement counted the attempt
--   (check_attempts + 1) and moved the phone's count. The statement commits as a whole or not at all, and verifyd
--   answers only once the commit is confirmed; a failure is an error, which says nothing about the code. So no path
--   learns a compare's result without having paid an attempt, and the per-verification maximum is read from the
--   locked, current row.
-- * Out of attempts means 429 for any code: a verification not pending, or with no attempt left, never reaches the
--   gate, right code or not.
-- * The per-phone cap holds however checks, re-sends, cancels and new verifications interleave. Every compare passes
--   `gate`, an upsert whose WHERE admits it only while the count is under the cap (or the failures decayed).
--   INSERT ... ON CONFLICT DO UPDATE evaluates that condition on the latest committed version of the row, with the
--   row locked, never on the statement's snapshot: a check that waited for the lock sees the count its predecessor
--   committed. So concurrent checks of one (service, phone), on one verification or on several, are admitted one at
--   a time and stop exactly at the cap, and the admitted check writes the new count (one more, or 0 after a
--   success) in that same upsert. Only `checked` depends on `gate`, so a refused check writes nothing. Locks are
--   always taken verification first, then the failure row, and nothing takes them the other way round.
-- * Comparing in SQL reveals nothing a guess does not already cost. The database compares two keyed HMACs; it never
--   sees the code or the key. The caller learns one bit per compare (match or not), what the API answers anyway,
--   and only after the attempt was counted. bytea equality is not constant-time, but its inputs are HMAC outputs: a
--   caller cannot steer the candidate's bytes towards the stored ones without the key, so how far a byte-wise
--   compare gets tells them nothing usable about the next guess.
-- * Expiry: a verification past its validity is never compared; verifyd then marks a pending one 'expired'.
CREATE FUNCTION verifyd_check(
    p_bucket integer, p_service text, p_phone text, p_sid text, p_key_ids text[], p_hashes bytea[],
    p_failure_cap integer, p_failure_window integer)
RETURNS TABLE (
    live_sid text, live_status text, live_seconds_until_expiry integer, open boolean,
    sid text, service_sid text, phone text, channel text, status text, locale text, check_attempts smallint,
    created_at timestamptz, updated_at timestamptz, expires_at timestamptz)
LANGUAGE plpgsql AS $function$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH live AS (
        SELECT v.sid, v.status, v.expires_at,
            v.status = 'pending' AND v.check_attempts < v.max_check_attempts AND v.expires_at > now() AS open,
            coalesce(v.code_hash = p_hashes[array_position(p_key_ids, v.key_id)], false) AS matched
        FROM verifications v
        WHERE v.bucket = p_bucket AND v.service_sid = p_service AND v.phone = p_phone
            AND (p_sid IS NULL OR v.sid = p_sid) AND v.status IN ('pending', 'max_attempts_reached')
        ORDER BY v.created_at DESC LIMIT 1
        FOR UPDATE
    ), gate AS (
        INSERT INTO phone_check_failures AS f (bucket, service_sid, phone, consecutive_failures, last_failure_at)
        SELECT p_bucket, p_service, p_phone, CASE WHEN l.matched THEN 0 ELSE 1 END,
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
    FROM live l LEFT JOIN checked c ON true;
END
$function$;
