-- verifyd's schema, 100,000 phones each with one pending verification (bucket = p % 65536 stands in for the hash),
-- its delivery attempt, and one earlier failed check per phone (the steady state of the failure table).
TRUNCATE services, verifications, delivery_attempts, phone_check_failures, phones CASCADE;
INSERT INTO services (sid, friendly_name) VALUES ('VA' || repeat('ab', 16), 'Bench');
INSERT INTO verifications (bucket, sid, service_sid, phone, channel, status, key_id, code_hash, code_ciphertext,
    max_check_attempts, max_send_attempts, expires_at)
SELECT g % 65536, 'VE' || lpad(to_hex(g % 65536), 4, '0') || substr(md5(g::text), 1, 28), 'VA' || repeat('ab', 16),
    '+1555' || lpad(g::text, 7, '0'), 'sms', 'pending', 'k1', sha256(g::text::bytea),
    sha256(g::text::bytea) || sha256(g::text::bytea), 100, 5, now() + interval '1 day'
FROM generate_series(1, 100000) g;
INSERT INTO delivery_attempts (bucket, sid, verification_sid, channel, status)
SELECT bucket, 'VL' || substr(sid, 3), sid, 'sms', 'sent' FROM verifications;
INSERT INTO phone_check_failures (bucket, service_sid, phone, consecutive_failures, last_failure_at)
SELECT bucket, service_sid, phone, 1, now() - interval '1 hour' FROM verifications;
