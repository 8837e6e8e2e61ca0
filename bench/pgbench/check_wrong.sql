-- verifyd's check by number with a wrong code (Sources/VerifyStore/PostgresVerificationStore+Check.swift),
-- statement for statement and round trip for round trip: BEGIN, the limits and the locking read in one pipeline;
-- the counted attempt and the failure count in one; COMMIT. Run with -M extended (unnamed statements, as verifyd).
-- scripts/bench checks these statements against pg_stat_statements after a verifyd run and fails when they drift.
-- pgbench -D status=pending
\set n random(1, 100000)
\set b :n % 65536
\set statement_timeout 5000
\set lock_timeout 2000
\set idle_timeout 10000
\set attempts 1
\set still_pending 1
\set failure_window 86400
\startpipeline
BEGIN;
SELECT set_config('statement_timeout', :statement_timeout, true), set_config('lock_timeout', :lock_timeout, true), set_config('idle_in_transaction_session_timeout', :idle_timeout, true);
SELECT v.sid, v.status, v.check_attempts, v.max_check_attempts, v.send_count, v.max_send_attempts,
    ceil(extract(epoch FROM v.expires_at - now()))::integer, v.key_id, v.code_hash, v.phone FROM verifications v
WHERE v.bucket = :b::int8 AND v.service_sid = :service AND v.phone = bench_phone(:n)
    AND v.status IN ('pending', 'max_attempts_reached')
ORDER BY v.created_at DESC LIMIT 1
FOR UPDATE;
\endpipeline
\startpipeline
UPDATE verifications v SET check_attempts = :attempts::int8, status = :status,
    code_ciphertext = CASE WHEN :still_pending::bool THEN code_ciphertext END, updated_at = now()
WHERE v.bucket = :b::int8 AND v.sid = bench_sid('VE', :b, :n) AND v.status = 'pending'
RETURNING v.sid, v.service_sid, v.phone, v.channel, v.status, v.locale, v.check_attempts, v.created_at, v.updated_at,
    v.expires_at;
INSERT INTO phone_check_failures AS f (bucket, service_sid, phone, consecutive_failures, last_failure_at)
VALUES (:b::int8, :service, bench_phone(:n), 1, now())
ON CONFLICT (bucket, service_sid, phone) DO UPDATE SET
    consecutive_failures = CASE
        WHEN f.last_failure_at > now() - :failure_window::int8 * interval '1 second'
        THEN f.consecutive_failures + 1 ELSE 1 END,
    last_failure_at = now();
\endpipeline
COMMIT;
