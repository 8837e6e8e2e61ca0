-- verifyd:no-transaction
-- Data that stays small: the retention service (App's RetentionService) deletes what is older than the retention
-- period in small batches, and a deleted service is only marked here and purged in batches by that service, since
-- one DELETE cascading through ten million verifications would hold its locks far past any statement timeout.
--
-- Outside a transaction for CREATE INDEX CONCURRENTLY: starts and checks write these tables all the time, and a
-- plain CREATE INDEX would block them for the whole build. Every statement can run again after a failure.

-- Set when a service is deleted: from then on it reads as absent (404) and the retention service purges its rows.
DO $ddl$
BEGIN
    -- Local to this statement's transaction: DDL waits at most this long behind traffic instead of queueing it.
    PERFORM set_config('lock_timeout', '5000', true);
    ALTER TABLE services ADD COLUMN IF NOT EXISTS deleted_at timestamptz;
END
$ddl$;

-- The purge finds deleted services without reading the live ones, and reads a deleted service's verifications by
-- verifications_by_service (0007), its rate-limit rows by their keys, which lead with the service.
CREATE INDEX CONCURRENTLY IF NOT EXISTS services_deleted ON services (deleted_at) WHERE deleted_at IS NOT NULL;

-- The purge deletes a deleted service's failure counts by service; the key leads with the bucket, so without this
-- it (and the final cascade from services) would read the whole table. Retention deletes counts that decayed.
CREATE INDEX CONCURRENTLY IF NOT EXISTS phone_check_failures_by_service ON phone_check_failures (service_sid);
CREATE INDEX CONCURRENTLY IF NOT EXISTS phone_check_failures_decay ON phone_check_failures (last_failure_at);

-- Phones that may go once they have no history: no block, no opt-out, oldest change first. The history checks
-- (verifications, STOP/START receipts, failure counts) each read one bucket's rows by a key prefix.
CREATE INDEX CONCURRENTLY IF NOT EXISTS phones_unmarked ON phones (updated_at)
    WHERE blocked_at IS NULL AND opted_out_at IS NULL;

-- What `verifyd phones erase` keeps of a number that had opted out: its HMAC under a key derived from the code key
-- (CodeKeyring.erasedPhoneDigests), never the number. A start refuses a number whose digest is here, unless a phone
-- row made after the erasure (a new STOP or START) decides. Keyed by the number's bucket, like every per-phone row.
CREATE TABLE IF NOT EXISTS erased_opt_outs (
    bucket integer NOT NULL CHECK (bucket BETWEEN 0 AND 65535),
    phone_hmac bytea NOT NULL CHECK (length(phone_hmac) = 32),
    erased_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bucket, phone_hmac)
);
