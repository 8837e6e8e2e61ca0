-- Helpers for the pgbench scripts in this folder. pgbench has no string arithmetic, so the numbers and SIDs of
-- each transaction are made from integers here. Both are STABLE on purpose: the planner inlines them and folds the
-- result to a constant when an unnamed statement is planned with its parameters. Declared IMMUTABLE they would be
-- evaluated instead, through the SQL-function executor, at a cost verifyd's statements do not have.
CREATE FUNCTION bench_phone(n bigint) RETURNS text STABLE LANGUAGE sql
    AS $$ SELECT '+1555' || lpad(n::text, 7, '0') $$;

-- A SID of verifyd's shape (prefix, the bucket in 4 hex digits, 28 more hex digits) that the schema's checks accept.
CREATE FUNCTION bench_sid(prefix text, bucket bigint, n bigint) RETURNS text STABLE LANGUAGE sql
    AS $$ SELECT prefix || lpad(to_hex(bucket), 4, '0') || lpad(to_hex(n), 28, '0') $$;

-- The number's prefix for the prefix rule: the number without its last 3 digits.
CREATE FUNCTION bench_prefix(n bigint) RETURNS text STABLE LANGUAGE sql
    AS $$ SELECT left(bench_phone(n), -3) $$;

-- A text NULL where verifyd binds one: a check that spends a unit its instance holds names no counter.
CREATE FUNCTION bench_null() RETURNS text STABLE LANGUAGE sql
    AS $$ SELECT NULL::text $$;
