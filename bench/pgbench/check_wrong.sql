-- verifyd's check by number with a wrong code (Sources/VerifyStore/PostgresVerificationStore+Check.swift), as
-- verifyd sends it: the limits, then verifyd_check (migrations/0002_check_gate.sql) behind the credential's check
-- counter, with the prefix rule's approval count (verifyd_check_metered, migrations/0012_prefix_counter_shards.sql,
-- as 0017 rewrote it): one pipeline, one round trip, one implicit transaction. As for every check of a busy
-- credential but the first of each block, the check spends a unit its instance already holds
-- (Sources/VerifyStore/CounterLeases.swift), so the statement names no counter (bench_null()). The candidate HMAC
-- matches nothing, as a wrong code's does. Run with -M extended (unnamed statements, verifyd's default; -M prepared
-- when VERIFYD_DB_PREPARED_STATEMENTS is on).
-- scripts/bench checks these statements against pg_stat_statements after a verifyd run and fails when they drift.
-- pgbench -D key_ids={bench}
-- pgbench -D hashes={"\\x0000000000000000000000000000000000000000000000000000000000000000"}
-- pgbench -D key_subject=bench
-- pgbench -D enforced=true
\set n random(1, 100000)
\set b :n % 65536
\set statement_timeout 5000
\set lock_timeout 2000
\set idle_timeout 10000
\set failure_cap 100
\set failure_window 86400
\set units 0
\set key_limit 100000000
\set shards 64
\set first random(0, 63)
\set prefix_first 0
\set prefix_modulus 64
\startpipeline
SELECT set_config('statement_timeout', :statement_timeout, true), set_config('lock_timeout', :lock_timeout, true), set_config('idle_in_transaction_session_timeout', :idle_timeout, true);
SELECT *, NULL::text AS lookup_line_type
FROM verifyd_check_metered(bench_null(), :key_subject, :units::integer, :key_limit::integer, :shards::integer,
    :first::integer, :enforced, bench_prefix(:n), (:prefix_first + pg_backend_pid() % :prefix_modulus)::integer,
    :b::integer, :service, bench_phone(:n), NULL, :key_ids, :hashes, :failure_cap::integer, :failure_window::integer);
\endpipeline
