-- Answers stored under a client's Idempotency-Key (start and check), so a retry after a lost answer gets the answer
-- instead of a second action: a check whose approval was lost is approved again for that key alone, where Twilio
-- would answer 404. The row is written in the same transaction as the action it answers, so an answer exists exactly
-- when the action committed, however the connection ends; a concurrent request under the same key waits on the
-- primary key until the first one commits or rolls back, so two never both act.
--
-- Keyed by a bucket of the key itself (see `IdempotencyKey.bucket`), not of the phone: a key reused for another
-- number must still be found, to be refused. Under sharding a keyed request then touches two shards in one
-- transaction, which Citus commits with two-phase commit.
--
-- `fingerprint` is a SHA-256 of the route and the parameters, so a reuse with other parameters is refused; `body`
-- is the JSON answered, which holds the number, like the verification row it describes. Rows older than 24 hours
-- answer nothing and are deleted by the expiry sweeper.
CREATE TABLE idempotency_keys (
    bucket integer NOT NULL,
    service_sid text NOT NULL,
    -- Who sent the request: `root`, or the API key's SID. Another credential's key is another key.
    credential text NOT NULL,
    key text NOT NULL CHECK (key ~ '^[A-Za-z0-9._:~+/=-]{1,255}$'),
    fingerprint bytea NOT NULL,
    status smallint NOT NULL,
    body bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bucket, service_sid, credential, key)
);

CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
