-- verifyd's start of a new SMS verification (Sources/VerifyStore/PostgresVerificationStore+Start.swift and
-- PostgresDeliveryStore.swift), statement for statement and round trip for round trip: BEGIN, the limits, the prefix
-- counter (migrations/0012_prefix_counter_shards.sql) and the locking read of service, number and live verification
-- (migrations/0015_start_statement_plans.sql) in one pipeline (the per-credential counter takes no statement: as for
-- every start of a busy credential but the first of each block, the start spends a unit its instance holds,
-- Sources/VerifyStore/CounterLeases.swift); the verification (0015 too)
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
\set lease 60
\set prefix_exact 20
\set prefix_first 1
\set prefix_modulus 63
\startpipeline
BEGIN;
SELECT set_config('statement_timeout', :statement_timeout, true), set_config('lock_timeout', :lock_timeout, true), set_config('idle_in_transaction_session_timeout', :idle_timeout, true);
SELECT * FROM verifyd_count_prefix(bench_prefix(:n), :b::integer, bench_phone(:n),
    :prefix_exact::integer, (:prefix_first + pg_backend_pid() % :prefix_modulus)::integer);
SELECT * FROM verifyd_start_state(:b::integer, :service, bench_phone(:n), :erased_digests,
    :failure_window::integer);
\endpipeline
\startpipeline
SELECT * FROM verifyd_create_verification(:b::integer, bench_sid('VE', :b, :unique), :service, bench_phone(:n),
    :channel, NULL, NULL, NULL, NULL::jsonb, NULL, :key_id, :code_hash, :code_ciphertext, :max_check_attempts::integer,
    :max_send_attempts::integer, :validity::integer, NULL, bench_sid('VL', :b, :unique), :attempt_status,
    :lease::integer);
COMMIT;
\endpipeline
\startpipeline
SELECT set_config('statement_timeout', :statement_timeout, true), set_config('lock_timeout', :lock_timeout, true), set_config('idle_in_transaction_session_timeout', :idle_timeout, true);
UPDATE delivery_attempts SET status = 'sent', provider_sid = :provider_sid, tries = tries + 1,
    lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
WHERE bucket = :b AND sid = bench_sid('VL', :b, :unique) AND status = 'sending';
\endpipeline
