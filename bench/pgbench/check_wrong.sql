-- verifyd's check by phone number with a wrong code, as verifyd sends it: the limits and verifyd_check in one
-- pipeline (one round trip). Run with -M extended (verifyd's unnamed statements) or -M prepared.
\set p random(1, 100000)
\set b :p % 65536
\startpipeline
SELECT set_config('statement_timeout', '5000', true), set_config('lock_timeout', '2000', true), set_config('idle_in_transaction_session_timeout', '10000', true);
SELECT * FROM verifyd_check(:b::integer, 'VAabababababababababababababababab', '+1555' || lpad(:p::text, 7, '0'), NULL, '{k1}'::text[], '{"\\x0000000000000000000000000000000000000000000000000000000000000000"}'::bytea[], 100, 86400);
\endpipeline
