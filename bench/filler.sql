-- 10 million finished and pending verifications of the service :'service' in verifyd's schema, for the check
-- latency figure with a full table (scripts/bench, skipped with --skip-10m). Benchmark data only: tests stay small.
-- Numbers are +19… (12 digits), apart from every number the benchmark's load uses (+12…–+17…). Rows spread over
-- 30 days; 2 % are still pending (valid for a day, so the expiry sweep leaves them alone), the rest ended the ways
-- verifications end. Buckets come from the number's hash as verifyd's do, and each SID starts with its bucket.
INSERT INTO verifications (
    bucket, sid, service_sid, phone, channel, status, key_id, code_hash, code_ciphertext, check_attempts,
    max_check_attempts, max_send_attempts, expires_at, created_at, updated_at)
SELECT f.bucket, 'VE' || lpad(to_hex(f.bucket), 4, '0') || lpad(to_hex(f.n), 28, '0'), :'service', f.phone,
    'sms', f.status, k.key_id, decode(md5(f.phone) || md5(f.phone || 'h'), 'hex'),
    CASE WHEN f.status = 'pending' THEN decode(md5(f.phone || 'c') || md5(f.phone || 'd'), 'hex') END,
    CASE f.status WHEN 'approved' THEN 1 WHEN 'max_attempts_reached' THEN 5 ELSE 0 END, 5, 5,
    CASE WHEN f.status = 'pending' THEN now() + interval '1 day' ELSE f.created_at + interval '10 minutes' END,
    f.created_at, f.created_at
FROM (
    SELECT n, '+19' || lpad(n::text, 10, '0') AS phone,
        ('x' || substr(encode(sha256(convert_to('+19' || lpad(n::text, 10, '0'), 'UTF8')), 'hex'), 1, 4))::bit(16)::integer
            AS bucket,
        CASE WHEN n % 50 = 0 THEN 'pending'
             WHEN n % 10 < 6 THEN 'approved'
             WHEN n % 10 < 9 THEN 'expired'
             WHEN n % 20 = 9 THEN 'canceled'
             ELSE 'max_attempts_reached' END AS status,
        now() - (n % 2592000) * interval '1 second' AS created_at
    FROM generate_series(1, 10000000) AS n
) AS f,
    (SELECT key_id FROM verifications WHERE service_sid = :'service' LIMIT 1) AS k;

VACUUM ANALYZE verifications;
