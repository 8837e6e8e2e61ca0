\set st 5000
\set lt 2000
\set it 10000
\startpipeline
SELECT set_config('statement_timeout', :st, true), set_config('lock_timeout', :lt, true), set_config('idle_in_transaction_session_timeout', :it, true);
SELECT 1;
\endpipeline
