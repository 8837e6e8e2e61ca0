-- verifyd's schema, laid out for every planned feature. Rules that shape it:
-- * Rows that belong to one phone number carry `bucket`, a 16-bit hash of the number that SIDs also start with
--   (see VerifyCore's PhoneNumber.bucket). Keys lead with it, so every hot statement names one bucket and the
--   tables can later be distributed by it (Citus) without changing a query.
-- * The database clock (now()) is the only clock for expiry and time windows.
-- * Codes are never stored in plaintext: an HMAC always, an AES-GCM ciphertext only while pending.

CREATE TABLE services (
    sid text PRIMARY KEY CHECK (sid ~ '^VA[0-9a-f]{32}$'),
    friendly_name text NOT NULL CHECK (length(friendly_name) BETWEEN 1 AND 30),
    code_length smallint NOT NULL DEFAULT 6 CHECK (code_length BETWEEN 4 AND 10),
    lookup_enabled boolean NOT NULL DEFAULT false,
    skip_sms_to_landlines boolean NOT NULL DEFAULT false,
    dtmf_input_required boolean NOT NULL DEFAULT false,
    do_not_share_warning_enabled boolean NOT NULL DEFAULT false,
    custom_code_enabled boolean NOT NULL DEFAULT false,
    psd2_enabled boolean NOT NULL DEFAULT false,
    tts_name text,
    code_validity_seconds integer NOT NULL DEFAULT 600 CHECK (code_validity_seconds BETWEEN 120 AND 86400),
    max_check_attempts smallint NOT NULL DEFAULT 5 CHECK (max_check_attempts BETWEEN 1 AND 100),
    max_send_attempts smallint NOT NULL DEFAULT 5 CHECK (max_send_attempts BETWEEN 1 AND 100),
    -- Set on the one service the original routes create on first use; unique, so racing instances create one.
    default_marker text UNIQUE CHECK (default_marker = 'default'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Twilio lists services oldest first; pages continue after (created_at, sid).
CREATE INDEX services_listing ON services (created_at, sid);

CREATE TABLE api_keys (
    sid text PRIMARY KEY CHECK (sid ~ '^SK[0-9a-f]{32}$'),
    friendly_name text NOT NULL,
    -- Secrets are 190-bit random strings: SHA-256 is enough, the secret itself is never stored.
    secret_sha256 bytea NOT NULL CHECK (length(secret_sha256) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

-- Whether a number may be used at all: blocked by an operator, or opted out by replying STOP.
CREATE TABLE phones (
    bucket integer NOT NULL CHECK (bucket BETWEEN 0 AND 65535),
    phone text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{1,14}$'),
    blocked_at timestamptz,
    blocked_reason text,
    opted_out_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bucket, phone),
    CHECK ((blocked_at IS NULL) = (blocked_reason IS NULL))
);

-- Consecutive failed checks per (service, phone) across verifications. A new code never resets it (NIST SP
-- 800-63B); a successful check, an operator's unblock, or 24 hours without a failure does.
CREATE TABLE phone_check_failures (
    bucket integer NOT NULL CHECK (bucket BETWEEN 0 AND 65535),
    service_sid text NOT NULL REFERENCES services (sid) ON DELETE CASCADE,
    phone text NOT NULL,
    consecutive_failures integer NOT NULL CHECK (consecutive_failures > 0),
    last_failure_at timestamptz NOT NULL,
    PRIMARY KEY (bucket, service_sid, phone)
);

CREATE TABLE verifications (
    bucket integer NOT NULL CHECK (bucket BETWEEN 0 AND 65535),
    sid text NOT NULL CHECK (sid ~ '^VE[0-9a-f]{32}$'),
    service_sid text NOT NULL REFERENCES services (sid) ON DELETE CASCADE,
    phone text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{1,14}$'),
    channel text NOT NULL CHECK (channel IN ('sms', 'call')),
    status text NOT NULL
        CHECK (status IN ('pending', 'approved', 'canceled', 'max_attempts_reached', 'expired', 'failed', 'deleted')),
    locale text,
    custom_friendly_name text,
    app_hash text,
    tags jsonb,
    device_ip text,
    -- Which master code key sealed this code (VERIFYD_CODE_KEY or one of VERIFYD_CODE_KEY_PREVIOUS).
    key_id text NOT NULL,
    code_hash bytea NOT NULL CHECK (length(code_hash) = 32),
    code_ciphertext bytea,
    check_attempts smallint NOT NULL DEFAULT 0,
    max_check_attempts smallint NOT NULL CHECK (max_check_attempts BETWEEN 1 AND 100),
    send_count smallint NOT NULL DEFAULT 1,
    max_send_attempts smallint NOT NULL CHECK (max_send_attempts BETWEEN 1 AND 100),
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bucket, sid),
    -- The SID carries the bucket in its first four hex digits.
    CHECK (bucket = ('x' || substr(sid, 3, 4))::bit(16)::integer),
    -- The ciphertext exists only while the code may still be sent or read to a call.
    CHECK (code_ciphertext IS NULL OR status = 'pending'),
    CHECK (check_attempts BETWEEN 0 AND max_check_attempts)
);

-- At most one pending verification per (service, phone).
CREATE UNIQUE INDEX verifications_one_pending ON verifications (bucket, service_sid, phone) WHERE status = 'pending';

-- The live verification of a (service, phone): start and check by number.
CREATE INDEX verifications_live ON verifications (bucket, service_sid, phone, created_at)
    WHERE status IN ('pending', 'max_attempts_reached');

-- The expiry sweep turns pending rows past their validity into 'expired' and erases their ciphertext.
CREATE INDEX verifications_pending_expiry ON verifications (expires_at) WHERE status = 'pending';

-- Retention removes old finished rows.
CREATE INDEX verifications_created ON verifications (created_at);

-- The delivery outbox: one row per send of a code (the attempt_sid of send_code_attempts).
CREATE TABLE delivery_attempts (
    bucket integer NOT NULL CHECK (bucket BETWEEN 0 AND 65535),
    sid text NOT NULL CHECK (sid ~ '^VL[0-9a-f]{32}$'),
    verification_sid text NOT NULL,
    channel text NOT NULL CHECK (channel IN ('sms', 'call')),
    status text NOT NULL
        CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'unknown', 'canceled')),
    -- Twilio's message (SM…) or call (CA…) SID once it accepted the request.
    provider_sid text,
    error_code integer,
    tries smallint NOT NULL DEFAULT 0,
    lease_owner text,
    lease_expires_at timestamptz,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bucket, sid),
    FOREIGN KEY (bucket, verification_sid) REFERENCES verifications (bucket, sid) ON DELETE CASCADE,
    CHECK (bucket = ('x' || substr(sid, 3, 4))::bit(16)::integer),
    CHECK ((status = 'sending') = (lease_expires_at IS NOT NULL))
);

CREATE INDEX delivery_attempts_by_verification ON delivery_attempts (bucket, verification_sid, created_at);

-- Dispatchers claim due queued rows with FOR UPDATE SKIP LOCKED.
CREATE INDEX delivery_attempts_due ON delivery_attempts (next_attempt_at) WHERE status = 'queued';

-- Leases that ran out mean an instance died mid-send: those rows become 'unknown', never re-sent.
CREATE INDEX delivery_attempts_leases ON delivery_attempts (lease_expires_at) WHERE status = 'sending';

-- Fixed-window counters for rate limits (per IP, per prefix, per country, per service limit), counted in
-- PostgreSQL so every instance sees the same totals.
CREATE TABLE rate_limit_counters (
    counter_key text NOT NULL,
    window_start timestamptz NOT NULL,
    hits integer NOT NULL DEFAULT 0 CHECK (hits >= 0),
    PRIMARY KEY (counter_key, window_start)
);

CREATE INDEX rate_limit_counters_window ON rate_limit_counters (window_start);
