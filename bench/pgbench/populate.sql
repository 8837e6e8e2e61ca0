-- The data of verifyd's own ceiling, in verifyd's schema (migrated by `verifyd migrate`): 100,000 numbers, each
-- with one pending verification of the service :'service' (as bench/reference/populate.sql has), its delivery
-- attempt, and one earlier failed check (the failure row a wrong-code check updates in steady state). Bucket
-- n % 65536 stands in for the hash of the number; nothing here needs the real one. Truncates first (CASCADE: the
-- tables that reference these hold nothing the ceiling needs).
TRUNCATE delivery_attempts, verifications, phone_check_failures, phones CASCADE;
INSERT INTO verifications (
    bucket, sid, service_sid, phone, channel, status, key_id, code_hash, code_ciphertext, max_check_attempts,
    max_send_attempts, expires_at)
SELECT n % 65536, bench_sid('VE', n % 65536, n), :'service', bench_phone(n), 'sms', 'pending', 'bench',
    sha256(convert_to(n::text, 'UTF8')), substr(sha256(convert_to('c' || n, 'UTF8')) || sha256('\x00'), 1, 34),
    100, 5, now() + interval '1 day'
FROM generate_series(1, 100000) AS n;
INSERT INTO delivery_attempts (bucket, sid, verification_sid, channel, status)
SELECT bucket, 'VL' || substr(sid, 3), sid, 'sms', 'sent' FROM verifications;
INSERT INTO phone_check_failures (bucket, service_sid, phone, consecutive_failures, last_failure_at)
SELECT bucket, service_sid, phone, 1, now() - interval '1 hour' FROM verifications;
