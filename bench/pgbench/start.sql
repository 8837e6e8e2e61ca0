-- verifyd's start of a new SMS verification (Sources/VerifyStore/PostgresVerificationStore+Start.swift and
-- PostgresDeliveryStore.swift), statement for statement and round trip for round trip: BEGIN, the limits, the prefix
-- counter (migrations/0012_prefix_counter_shards.sql) and the locking read of service, number and live verification in
-- one pipeline (the per-credential counter takes no statement: as for every start of a busy credential but the first of
-- each block, the start spends a unit its instance holds, Sources/VerifyStore/CounterLeases.swift); the verification
-- with its claimed attempt and COMMIT in the next; then, after the Twilio call, the limits and the recorded send in one
-- implicit transaction. Run with -M extended (unnamed statements, verifyd's default). Numbers are drawn from 1,000,000
-- as in the reference; a number that already has a pending verification inserts nothing, as when verifyd loses that
-- race. SIDs are unique per client and transaction.
-- scripts/bench checks these statements against pg_stat_statements after a verifyd run and fails when they drift.
-- pgbench -D seq=0
-- pgbench -D channel=sms
-- pgbench -D key_id=bench
-- pgbench -D code_hash=\x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
-- pgbench -D code_ciphertext=\x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021
-- pgbench -D attempt_status=sending
-- pgbench -D provider_sid=SM000102030405060708090a0b0c0d0e0f
-- pgbench -D erased_digests={"\\x0000000000000000000000000000000000000000000000000000000000000000"}
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
\set lease 60
\set prefix_exact 20
\set prefix_first 1
\set prefix_modulus 63
\startpipeline
BEGIN;
SELECT set_config('statement_timeout', :statement_timeout, true), set_config('lock_timeout', :lock_timeout, true), set_config('idle_in_transaction_session_timeout', :idle_timeout, true);
SELECT * FROM verifyd_count_prefix(bench_prefix(:n), :b::integer, bench_phone(:n),
    :prefix_exact::integer, (:prefix_first + pg_backend_pid() % :prefix_modulus)::integer);
SELECT s.sid AS service_sid, s.friendly_name AS service_friendly_name, s.code_length AS service_code_length,
    s.do_not_share_warning_enabled AS service_do_not_share_warning_enabled,
    s.custom_code_enabled AS service_custom_code_enabled, s.dtmf_input_required AS service_dtmf_input_required,
    s.lookup_enabled AS service_lookup_enabled, s.skip_sms_to_landlines AS service_skip_sms_to_landlines,
    s.psd2_enabled AS service_psd2_enabled, s.tts_name AS service_tts_name,
    s.code_validity_seconds AS service_code_validity_seconds,
    s.max_check_attempts AS service_max_check_attempts, s.max_send_attempts AS service_max_send_attempts,
    s.geo_sms_allow AS service_geo_sms_allow, s.geo_sms_deny AS service_geo_sms_deny,
    s.geo_voice_allow AS service_geo_voice_allow, s.geo_voice_deny AS service_geo_voice_deny,
    s.created_at AS service_created_at, s.updated_at AS service_updated_at,
    p.blocked_at IS NOT NULL AS blocked,
    p.opted_out_at IS NOT NULL OR EXISTS (
        SELECT FROM erased_opt_outs e
        WHERE e.bucket = :b AND e.phone_hmac = ANY (:erased_digests)
            AND (p.updated_at IS NULL OR p.updated_at < e.erased_at)
    ) AS opted_out,
    EXISTS (SELECT FROM safe_list_numbers WHERE bucket = :b AND phone = bench_phone(:n)) AS safe_listed,
    coalesce(f.consecutive_failures, 0) AS consecutive_failures,
    coalesce(ceil(extract(epoch FROM f.last_failure_at - now())) + :failure_window, 0)::integer
        AS seconds_until_failures_decay,
    v.sid, v.status, v.send_count, v.max_send_attempts,
    ceil(extract(epoch FROM v.expires_at - now()))::integer AS seconds_until_expiry
FROM services s
LEFT JOIN phones p ON p.bucket = :b AND p.phone = bench_phone(:n)
LEFT JOIN phone_check_failures f ON f.bucket = :b AND f.service_sid = s.sid AND f.phone = bench_phone(:n)
LEFT JOIN LATERAL (
    SELECT * FROM verifications
    WHERE bucket = :b AND service_sid = s.sid AND phone = bench_phone(:n)
        AND status IN ('pending', 'max_attempts_reached')
    ORDER BY created_at DESC LIMIT 1
    FOR UPDATE
) v ON true
WHERE s.sid = :service AND s.deleted_at IS NULL;
\endpipeline
\startpipeline
WITH v AS (
    INSERT INTO verifications (
        bucket, sid, service_sid, phone, channel, status, locale, custom_friendly_name, app_hash, tags,
        device_ip, key_id, code_hash, code_ciphertext, max_check_attempts, max_send_attempts, expires_at,
        lookup_line_type)
    VALUES (
        :b, bench_sid('VE', :b, :unique), :service, bench_phone(:n),
        :channel, 'pending', NULL, NULL,
        NULL, NULL::jsonb, NULL, :key_id, :code_hash,
        :code_ciphertext, :max_check_attempts, :max_send_attempts,
        now() + :validity * interval '1 second',
        NULL)
    ON CONFLICT (bucket, service_sid, phone) WHERE status = 'pending' DO NOTHING
    RETURNING *
), a AS (
    INSERT INTO delivery_attempts (bucket, sid, verification_sid, channel, status, lease_expires_at)
    SELECT v.bucket, bench_sid('VL', :b, :unique), v.sid, v.channel, :attempt_status,
        CASE WHEN :claim::bool THEN now() + :lease * interval '1 second' END
    FROM v
    RETURNING created_at, status
)
SELECT v.sid, v.service_sid, v.phone, v.channel, v.status, v.locale, v.check_attempts, v.created_at, v.updated_at,
    v.expires_at, v.lookup_line_type, v.custom_friendly_name, v.app_hash,
    ceil(extract(epoch FROM v.expires_at - now()))::integer AS seconds_until_expiry,
    a.created_at AS attempt_created_at, a.status AS attempt_status
FROM v, a;
COMMIT;
\endpipeline
\startpipeline
SELECT set_config('statement_timeout', :statement_timeout, true), set_config('lock_timeout', :lock_timeout, true), set_config('idle_in_transaction_session_timeout', :idle_timeout, true);
UPDATE delivery_attempts SET status = 'sent', provider_sid = :provider_sid, tries = tries + 1,
    lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
WHERE bucket = :b AND sid = bench_sid('VL', :b, :unique) AND status = 'sending';
\endpipeline
