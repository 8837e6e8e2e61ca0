-- Checks now enforce the per-(service, phone) failure cap themselves: every compare passes through an upsert of this
-- table's row that admits it only under the cap (see VerifyStore's check statement). That upsert also writes the
-- outcome, so a success sets the count to 0 instead of deleting the row, and a first check that succeeds leaves a
-- row with no failure yet.
ALTER TABLE phone_check_failures
    DROP CONSTRAINT phone_check_failures_consecutive_failures_check,
    ADD CONSTRAINT phone_check_failures_consecutive_failures_check CHECK (consecutive_failures >= 0),
    ALTER COLUMN last_failure_at DROP NOT NULL,
    ADD CHECK ((consecutive_failures = 0) = (last_failure_at IS NULL));
