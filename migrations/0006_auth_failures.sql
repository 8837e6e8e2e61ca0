-- Failed HTTP Basic authentications per client address, counted here so every instance enforces one limit
-- (VERIFYD_AUTH_FAILURE_LIMIT per VERIFYD_AUTH_FAILURE_WINDOW_SECONDS). The address is the text of an IPv4 address,
-- of an IPv6 /64 (`2001:db8:1:2::/64`), or `unknown` for a peer without one. One row per address: its window starts
-- with the first failure after the previous window ended; the expiry sweep deletes rows whose window has ended.
-- Nothing here is read on a successful authentication.
CREATE TABLE auth_failures (
    address text PRIMARY KEY CHECK (length(address) BETWEEN 1 AND 64),
    window_start timestamptz NOT NULL,
    failures integer NOT NULL CHECK (failures > 0)
);

CREATE INDEX auth_failures_window ON auth_failures (window_start);
