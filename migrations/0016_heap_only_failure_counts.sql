-- verifyd:no-transaction
-- Every wrong code sets `phone_check_failures.last_failure_at`, and an approval clears it. With 0010's index on that
-- column, no such update could stay on its page as a heap-only tuple: each one added a new entry to all three of the
-- table's indexes and logged them, where issue 7's schema updated the row in place (pg_stat_user_tables on the
-- benchmark's data: 3 of 3 updates heap-only without the index, 0 of 3 with it). Retention now finds decayed counts
-- by the table's key, a window of buckets per batch (PostgresRetentionStore.deleteFailureCounts), so nothing reads
-- the index. CONCURRENTLY, so checks never queue behind the drop; it can run again after a failure.
DROP INDEX CONCURRENTLY IF EXISTS phone_check_failures_decay;
