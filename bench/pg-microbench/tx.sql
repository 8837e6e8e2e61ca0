\set id random(1, 1000)
\set st 5000
\set lt 2000
\set it 10000
\startpipeline
BEGIN;
SELECT set_config('statement_timeout', :st, true), set_config('lock_timeout', :lt, true), set_config('idle_in_transaction_session_timeout', :it, true);
SELECT n FROM bench_counters WHERE id = :id FOR UPDATE;
\endpipeline
\startpipeline
UPDATE bench_counters SET n = n + 1 WHERE id = :id;
COMMIT;
\endpipeline
