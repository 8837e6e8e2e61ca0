-- Issue 9's counters beyond the destination number: per end-user network (DeviceIp), per API key, per number
-- prefix and the spend guard, the prefix blocks they set, and the record of every refusal.

-- Fixed-window counters. `rule` names what is counted (`device_ip`, `api_key`, `prefix`, `prefix_approved`,
-- `spend`, `country_spend`); `subject` is whom it is counted for: a keyed HMAC in hex for a network or a key (see
-- CodeKeyring.rateLimitDigest), the E.164 prefix for a prefix, `global` or the cost table's prefix for spend.
-- A counter that every start touches (one API key, the global spend) is split into `shard` rows, each allowed its
-- share of the limit: a start takes a shard nobody else holds (FOR UPDATE SKIP LOCKED), so starts do not wait on
-- each other's commits, and the sum of the shards never passes the limit. `hits` is in the counter's unit: starts,
-- or for spend the cost units of the sends (the operator's cost table, 1 per send by default).
CREATE TABLE abuse_counters (
    rule text NOT NULL,
    subject text NOT NULL,
    window_start timestamptz NOT NULL,
    shard smallint NOT NULL CHECK (shard BETWEEN 0 AND 255),
    window_end timestamptz NOT NULL,
    hits bigint NOT NULL CHECK (hits >= 0),
    PRIMARY KEY (rule, subject, window_start, shard)
);

-- The sweep deletes windows that have ended.
CREATE INDEX abuse_counters_end ON abuse_counters (window_end);

-- Prefixes the prefix rule blocked, with the figures that blocked them; `verifyd prefixes list|lift` reads and
-- deletes them.
CREATE TABLE prefix_blocks (
    prefix text PRIMARY KEY CHECK (prefix ~ '^\+[1-9][0-9]{0,14}$'),
    blocked_at timestamptz NOT NULL DEFAULT now(),
    blocked_until timestamptz NOT NULL,
    starts integer NOT NULL,
    approved integer NOT NULL
);

-- Why a number was refused: one row per (number, rule), with how often and the figures of the last refusal
-- (`{"count": 21, "limit": 20}`), so an operator can see which rule fired. `enforced` is false for a rule in
-- record-only mode, which refused nothing. Keyed by the number's bucket like every per-phone row; the sweep deletes
-- rows a day after their last refusal, which bounds the table by the numbers refused in a day.
CREATE TABLE abuse_refusals (
    bucket integer NOT NULL CHECK (bucket BETWEEN 0 AND 65535),
    phone text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{1,14}$'),
    rule text NOT NULL,
    enforced boolean NOT NULL,
    refusals integer NOT NULL,
    figures jsonb NOT NULL,
    first_at timestamptz NOT NULL DEFAULT now(),
    last_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bucket, phone, rule, enforced)
);

CREATE INDEX abuse_refusals_last ON abuse_refusals (last_at);
