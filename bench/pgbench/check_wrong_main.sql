-- main's check by phone number (b6f48b5), wrong code: three round trips in verifyd (BEGIN, limits and the locked
-- read go together there; pgbench cannot \gset inside a pipeline, so here they take two).
\set p random(1, 100000)
\set b :p % 65536
\startpipeline
BEGIN;
SELECT set_config('statement_timeout', '5000', true), set_config('lock_timeout', '2000', true), set_config('idle_in_transaction_session_timeout', '10000', true);
\endpipeline
SELECT v.sid, v.status, v.check_attempts, v.max_check_attempts, v.send_count, v.max_send_attempts,
    ceil(extract(epoch FROM v.expires_at - now()))::integer, v.key_id, v.code_hash, v.phone FROM verifications v
WHERE v.bucket = :b AND v.service_sid = 'VAabababababababababababababababab' AND v.phone = '+1555' || lpad(:p::text, 7, '0')
    AND v.status IN ('pending', 'max_attempts_reached')
ORDER BY v.created_at DESC LIMIT 1
FOR UPDATE \gset
\startpipeline
UPDATE verifications v SET check_attempts = :check_attempts + 1, status = 'pending',
    code_ciphertext = CASE WHEN true THEN code_ciphertext END, updated_at = now()
WHERE v.bucket = :b AND v.sid = :sid AND v.status = 'pending'
RETURNING v.sid, v.service_sid, v.phone, v.channel, v.status, v.locale, v.check_attempts, v.created_at, v.updated_at, v.expires_at;
INSERT INTO phone_check_failures AS f (bucket, service_sid, phone, consecutive_failures, last_failure_at)
VALUES (:b, 'VAabababababababababababababababab', '+1555' || lpad(:p::text, 7, '0'), 1, now())
ON CONFLICT (bucket, service_sid, phone) DO UPDATE SET
    consecutive_failures = CASE
        WHEN f.last_failure_at > now() - 86400 * interval '1 second'
        THEN f.consecutive_failures + 1 ELSE 1 END,
    last_failure_at = now();
\endpipeline
COMMIT;
