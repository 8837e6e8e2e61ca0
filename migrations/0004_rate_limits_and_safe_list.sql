-- Twilio's Service Rate Limits (RK…) and their buckets (BL…), the counters that enforce them, and the Safe List
-- (GN…). Rate limits belong to a service and go with it (ON DELETE CASCADE down to the counters).

CREATE TABLE rate_limits (
    service_sid text NOT NULL REFERENCES services (sid) ON DELETE CASCADE,
    sid text NOT NULL CHECK (sid ~ '^RK[0-9a-f]{32}$'),
    -- Twilio's rule (60209): letters, digits, '-', '_' and '.'; the length is verifyd's.
    unique_name text NOT NULL CHECK (unique_name ~ '^[A-Za-z0-9._-]{1,64}$'),
    description text CHECK (length(description) <= 255),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_sid, sid),
    -- A start names its rate limits by unique name (60208 on a second one).
    UNIQUE (service_sid, unique_name)
);

-- Twilio lists oldest first; pages continue after (created_at, sid).
CREATE INDEX rate_limits_listing ON rate_limits (service_sid, created_at, sid);

CREATE TABLE rate_limit_buckets (
    service_sid text NOT NULL,
    rate_limit_sid text NOT NULL,
    sid text NOT NULL CHECK (sid ~ '^BL[0-9a-f]{32}$'),
    max integer NOT NULL CHECK (max BETWEEN 1 AND 1000000),
    interval_seconds integer NOT NULL CHECK (interval_seconds BETWEEN 1 AND 86400),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_sid, sid),
    -- One bucket per velocity (60211).
    UNIQUE (service_sid, rate_limit_sid, interval_seconds),
    FOREIGN KEY (service_sid, rate_limit_sid) REFERENCES rate_limits (service_sid, sid) ON DELETE CASCADE
);

CREATE INDEX rate_limit_buckets_listing ON rate_limit_buckets (service_sid, rate_limit_sid, created_at, sid);

-- Fixed-window counters, one row per (bucket, value, window). The value is stored only as a keyed HMAC (see
-- CodeKeyring.rateLimitDigest), never as the IP address or account id the caller sent. Windows start at multiples
-- of the interval since the epoch, by the database clock, so every instance counts into the same row.
CREATE TABLE rate_limit_bucket_hits (
    service_sid text NOT NULL,
    bucket_sid text NOT NULL,
    value_digest bytea NOT NULL CHECK (length(value_digest) = 32),
    window_start timestamptz NOT NULL,
    window_end timestamptz NOT NULL,
    hits integer NOT NULL CHECK (hits >= 0),
    PRIMARY KEY (service_sid, bucket_sid, value_digest, window_start),
    FOREIGN KEY (service_sid, bucket_sid) REFERENCES rate_limit_buckets (service_sid, sid) ON DELETE CASCADE
);

-- The sweep deletes windows that have ended.
CREATE INDEX rate_limit_bucket_hits_end ON rate_limit_bucket_hits (window_end);

-- The Safe List is account-wide. Keyed by the number's bucket like every per-phone row; the SID carries the same
-- bucket.
CREATE TABLE safe_list_numbers (
    bucket integer NOT NULL CHECK (bucket BETWEEN 0 AND 65535),
    phone text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{1,14}$'),
    sid text NOT NULL CHECK (sid ~ '^GN[0-9a-f]{32}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bucket, phone),
    CHECK (bucket = ('x' || substr(sid, 3, 4))::bit(16)::integer)
);
