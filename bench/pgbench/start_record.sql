-- start.sql followed by recording the send (the round trip after the Twilio call).
\set p random(100001, 10000000)
\set b :p % 65536
\set r random(1, 1000000000000)
\startpipeline
BEGIN;
SELECT set_config('statement_timeout', '5000', true), set_config('lock_timeout', '2000', true), set_config('idle_in_transaction_session_timeout', '10000', true);
SELECT s.sid AS service_sid, s.friendly_name AS service_friendly_name, s.code_length AS service_code_length, s.do_not_share_warning_enabled AS service_do_not_share_warning_enabled, s.custom_code_enabled AS service_custom_code_enabled, s.dtmf_input_required AS service_dtmf_input_required, s.lookup_enabled AS service_lookup_enabled, s.skip_sms_to_landlines AS service_skip_sms_to_landlines, s.psd2_enabled AS service_psd2_enabled, s.tts_name AS service_tts_name, s.code_validity_seconds AS service_code_validity_seconds, s.max_check_attempts AS service_max_check_attempts, s.max_send_attempts AS service_max_send_attempts, s.created_at AS service_created_at, s.updated_at AS service_updated_at,
    p.blocked_at IS NOT NULL AS blocked, p.opted_out_at IS NOT NULL AS opted_out,
    coalesce(f.consecutive_failures, 0) AS consecutive_failures,
    coalesce(ceil(extract(epoch FROM f.last_failure_at - now())) + 86400, 0)::integer
        AS seconds_until_failures_decay,
    v.sid, v.status, v.send_count, v.max_send_attempts, ceil(extract(epoch FROM v.expires_at - now()))::integer AS seconds_until_expiry
FROM services s
LEFT JOIN phones p ON p.bucket = :b AND p.phone = '+1555' || lpad(:p::text, 7, '0')
LEFT JOIN phone_check_failures f ON f.bucket = :b AND f.service_sid = s.sid AND f.phone = '+1555' || lpad(:p::text, 7, '0')
LEFT JOIN LATERAL (
    SELECT * FROM verifications
    WHERE bucket = :b AND service_sid = s.sid AND phone = '+1555' || lpad(:p::text, 7, '0')
        AND status IN ('pending', 'max_attempts_reached')
    ORDER BY created_at DESC LIMIT 1
    FOR UPDATE
) v ON true
WHERE s.sid = 'VAabababababababababababababababab';
\endpipeline
\startpipeline
WITH v AS (
    INSERT INTO verifications (
        bucket, sid, service_sid, phone, channel, status, locale, custom_friendly_name, app_hash, tags,
        device_ip, key_id, code_hash, code_ciphertext, max_check_attempts, max_send_attempts, expires_at)
    VALUES (
        :b, 'VE' || lpad(to_hex(:b::integer), 4, '0') || substr(md5(:r::text || :client_id), 1, 28), 'VAabababababababababababababababab', '+1555' || lpad(:p::text, 7, '0'),
        'sms', 'pending', NULL, NULL,
        NULL, NULL::jsonb, NULL, 'k1', sha256(:r::text::bytea),
        sha256(:r::text::bytea) || sha256(:r::text::bytea), 5, 5,
        now() + 600 * interval '1 second')
    ON CONFLICT (bucket, service_sid, phone) WHERE status = 'pending' DO NOTHING
    RETURNING *
), a AS (
    INSERT INTO delivery_attempts (bucket, sid, verification_sid, channel, status, lease_expires_at)
    SELECT v.bucket, 'VL' || lpad(to_hex(:b::integer), 4, '0') || substr(md5(:r::text || :client_id), 1, 28), v.sid, v.channel, 'sending',
        CASE WHEN true THEN now() + 60 * interval '1 second' END
    FROM v
    RETURNING created_at, status
)
SELECT v.sid, v.service_sid, v.phone, v.channel, v.status, v.locale, v.check_attempts, v.created_at, v.updated_at, v.expires_at, v.custom_friendly_name, v.app_hash, ceil(extract(epoch FROM v.expires_at - now()))::integer AS seconds_until_expiry,
    a.created_at AS attempt_created_at, a.status AS attempt_status
FROM v, a;
COMMIT;
\endpipeline
\startpipeline
SELECT set_config('statement_timeout', '5000', true), set_config('lock_timeout', '2000', true), set_config('idle_in_transaction_session_timeout', '10000', true);
UPDATE delivery_attempts SET status = 'sent', provider_sid = 'SM0123', tries = tries + 1,
    lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
WHERE bucket = :b AND sid = 'VL' || lpad(to_hex(:b::integer), 4, '0') || substr(md5(:r::text || :client_id), 1, 28) AND status = 'sending';
\endpipeline
