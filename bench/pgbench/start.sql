-- verifyd's start of a new SMS verification (Sources/VerifyStore/PostgresVerificationStore+Start.swift and
-- PostgresDeliveryStore.swift), statement for statement and round trip for round trip: BEGIN, the limits and the
-- locking read of service, number and live verification in one pipeline; the verification with its claimed
-- attempt; COMMIT; then, after the Twilio call, the limits and the recorded send. Run with -M extended (unnamed
-- statements, as verifyd). Numbers are drawn from 1,000,000 as in the reference; a number that already has a
-- pending verification inserts nothing, as when verifyd loses that race. SIDs are unique per client and transaction.
-- scripts/bench checks these statements against pg_stat_statements after a verifyd run and fails when they drift.
-- pgbench -D seq=0
-- pgbench -D channel=sms
-- pgbench -D key_id=bench
-- pgbench -D code_hash=\x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
-- pgbench -D code_ciphertext=\x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021
-- pgbench -D attempt_status=sending
-- pgbench -D provider_sid=SM000102030405060708090a0b0c0d0e0f
\set n random(1, 1000000)
\set b :n % 65536
\set seq :seq + 1
\set unique :client_id * 4294967296 + :seq
\set statement_timeout 5000
\set lock_timeout 2000
\set idle_timeout 10000
\set failure_window 86400
\set max_check_attempts 100
\set max_send_attempts 5
\set validity 86400
\set claim 1
\set lease 21
\startpipeline
BEGIN;
SELECT set_config('statement_timeout', :statement_timeout, true), set_config('lock_timeout', :lock_timeout, true), set_config('idle_in_transaction_session_timeout', :idle_timeout, true);
SELECT s.sid, s.friendly_name, s.code_length, s.do_not_share_warning_enabled, s.custom_code_enabled,
    s.dtmf_input_required, s.lookup_enabled, s.skip_sms_to_landlines, s.psd2_enabled, s.tts_name,
    s.code_validity_seconds, s.max_check_attempts, s.max_send_attempts, s.created_at, s.updated_at,
    p.blocked_at IS NOT NULL, p.opted_out_at IS NOT NULL, coalesce(f.consecutive_failures, 0),
    coalesce(ceil(extract(epoch FROM f.last_failure_at - now())) + :failure_window::int8, 0)::integer,
    v.sid, v.status, v.check_attempts, v.max_check_attempts, v.send_count, v.max_send_attempts,
    ceil(extract(epoch FROM v.expires_at - now()))::integer
FROM services s
LEFT JOIN phones p ON p.bucket = :b::int8 AND p.phone = bench_phone(:n)
LEFT JOIN phone_check_failures f ON f.bucket = :b::int8 AND f.service_sid = s.sid AND f.phone = bench_phone(:n)
LEFT JOIN LATERAL (
    SELECT * FROM verifications
    WHERE bucket = :b::int8 AND service_sid = s.sid AND phone = bench_phone(:n)
        AND status IN ('pending', 'max_attempts_reached')
    ORDER BY created_at DESC LIMIT 1
    FOR UPDATE
) v ON true
WHERE s.sid = :service;
\endpipeline
WITH v AS (
    INSERT INTO verifications (
        bucket, sid, service_sid, phone, channel, status, locale, custom_friendly_name, app_hash, tags,
        device_ip, key_id, code_hash, code_ciphertext, max_check_attempts, max_send_attempts, expires_at)
    VALUES (
        :b::int8, bench_sid('VE', :b, :unique), :service, bench_phone(:n),
        :channel, 'pending', NULL, NULL,
        NULL, NULL::jsonb, NULL, :key_id,
        :code_hash, :code_ciphertext, :max_check_attempts::int8,
        :max_send_attempts::int8, now() + :validity::int8 * interval '1 second')
    ON CONFLICT (bucket, service_sid, phone) WHERE status = 'pending' DO NOTHING
    RETURNING *
), a AS (
    INSERT INTO delivery_attempts (bucket, sid, verification_sid, channel, status, lease_expires_at)
    SELECT v.bucket, bench_sid('VL', :b, :unique), v.sid, v.channel, :attempt_status,
        CASE WHEN :claim::bool THEN now() + :lease::int8 * interval '1 second' END
    FROM v
    RETURNING created_at, status
)
SELECT v.sid, v.service_sid, v.phone, v.channel, v.status, v.locale, v.check_attempts, v.created_at, v.updated_at,
    v.expires_at, a.created_at, a.status,
    ceil(extract(epoch FROM v.expires_at - now()))::integer
FROM v, a;
COMMIT;
\startpipeline
SELECT set_config('statement_timeout', :statement_timeout, true), set_config('lock_timeout', :lock_timeout, true), set_config('idle_in_transaction_session_timeout', :idle_timeout, true);
UPDATE delivery_attempts SET status = 'sent', provider_sid = :provider_sid, tries = tries + 1,
    lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
WHERE bucket = :b::int8 AND sid = bench_sid('VL', :b, :unique) AND status = 'sending';
\endpipeline
