-- verifyd:no-transaction
-- The Attempts API (GET /v2/Attempts, /v2/Attempts/{VL…}, /v2/Attempts/Summary) and `verifyd stats`: each delivery
-- attempt's destination region, and indexes for listing attempts across the account.
--
-- Conversion is not stored: an attempt is converted when its verification is approved, read through the join on
-- (bucket, verification_sid) that the listing makes anyway, so approving a code writes nothing more than it did.
--
-- Account-wide listing is an operator query, not a hot path: it scans by time across every bucket, so once the
-- tables are distributed by bucket it fans out to every shard. That is acceptable for a report and is never done on
-- behalf of a verification. The hot statements stay keyed by (service, phone) or a SID carrying its bucket.
--
-- This file runs outside a transaction (CREATE INDEX CONCURRENTLY; the backfill commits in batches), so every
-- statement can run again after a failure, and it must run with DATABASE_URL pointing at PostgreSQL itself (see
-- README, Migrations). Indexes are built concurrently so that starts, which insert into both tables, never wait for
-- a build: on a table of ten million rows a plain CREATE INDEX would block them for tens of seconds.

-- The ISO 3166-1 alpha-2 region of the number the attempt was sent to, as phone-number metadata names it (`001`
-- for the non-geographic +800-style ranges); the start path writes it, NULL where it is not known. Kept per attempt
-- rather than per verification so that the Country filter needs no join to find its rows. The CHECK is added NOT
-- VALID (no scan under the exclusive lock) and validated at the end, which blocks no writes.
DO $ddl$
BEGIN
    -- Local to this statement's transaction: DDL waits at most this long behind traffic instead of queueing it.
    PERFORM set_config('lock_timeout', '5000', true);
    ALTER TABLE delivery_attempts ADD COLUMN IF NOT EXISTS destination_region text;
    ALTER TABLE delivery_attempts DROP CONSTRAINT IF EXISTS delivery_attempts_destination_region_check;
    ALTER TABLE delivery_attempts ADD CONSTRAINT delivery_attempts_destination_region_check
        CHECK (destination_region ~ '^([A-Z]{2}|001)$') NOT VALID;
END
$ddl$;

-- Existing rows get a region where the calling code alone decides it: the codes that libphonenumber assigns to a
-- single region (PhoneNumberMetadataTests checks this list against it). Numbers under a shared code (+1, +7, +44,
-- …) stay NULL: telling Canada from the United States needs the number's ranges, which SQL does not have. Calling
-- codes are prefix-free, so at most one of a number's first one, two or three digits is a key. Batches of 5000 in
-- key order, each committed, so no lock is held for long; a rerun passes over filled rows without writing them.
DO $backfill$
DECLARE
    regions constant jsonb := '{
        "20": "EG", "27": "ZA", "30": "GR", "31": "NL", "32": "BE", "33": "FR", "34": "ES", "36": "HU", "40": "RO",
        "41": "CH", "43": "AT", "45": "DK", "46": "SE", "48": "PL", "49": "DE", "51": "PE", "52": "MX", "53": "CU",
        "54": "AR", "55": "BR", "56": "CL", "57": "CO", "58": "VE", "60": "MY", "62": "ID", "63": "PH", "64": "NZ",
        "65": "SG", "66": "TH", "81": "JP", "82": "KR", "84": "VN", "86": "CN", "90": "TR", "91": "IN", "92": "PK",
        "93": "AF", "94": "LK", "95": "MM", "98": "IR", "211": "SS", "213": "DZ", "216": "TN", "218": "LY",
        "220": "GM", "221": "SN", "222": "MR", "223": "ML", "224": "GN", "225": "CI", "226": "BF", "227": "NE",
        "228": "TG", "229": "BJ", "230": "MU", "231": "LR", "232": "SL", "233": "GH", "234": "NG", "235": "TD",
        "236": "CF", "237": "CM", "238": "CV", "239": "ST", "240": "GQ", "241": "GA", "242": "CG", "243": "CD",
        "244": "AO", "245": "GW", "246": "IO", "247": "AC", "248": "SC", "249": "SD", "250": "RW", "251": "ET",
        "252": "SO", "253": "DJ", "254": "KE", "255": "TZ", "256": "UG", "257": "BI", "258": "MZ", "260": "ZM",
        "261": "MG", "263": "ZW", "264": "NA", "265": "MW", "266": "LS", "267": "BW", "268": "SZ", "269": "KM",
        "291": "ER", "297": "AW", "298": "FO", "299": "GL", "350": "GI", "351": "PT", "352": "LU", "353": "IE",
        "354": "IS", "355": "AL", "356": "MT", "357": "CY", "359": "BG", "370": "LT", "371": "LV", "372": "EE",
        "373": "MD", "374": "AM", "375": "BY", "376": "AD", "377": "MC", "378": "SM", "380": "UA", "381": "RS",
        "382": "ME", "383": "XK", "385": "HR", "386": "SI", "387": "BA", "389": "MK", "420": "CZ", "421": "SK",
        "423": "LI", "500": "FK", "501": "BZ", "502": "GT", "503": "SV", "504": "HN", "505": "NI", "506": "CR",
        "507": "PA", "508": "PM", "509": "HT", "591": "BO", "592": "GY", "593": "EC", "594": "GF", "595": "PY",
        "596": "MQ", "597": "SR", "598": "UY", "670": "TL", "672": "NF", "673": "BN", "674": "NR", "675": "PG",
        "676": "TO", "677": "SB", "678": "VU", "679": "FJ", "680": "PW", "681": "WF", "682": "CK", "683": "NU",
        "685": "WS", "686": "KI", "687": "NC", "688": "TV", "689": "PF", "690": "TK", "691": "FM", "692": "MH",
        "800": "001", "808": "001", "850": "KP", "852": "HK", "853": "MO", "855": "KH", "856": "LA", "870": "001",
        "878": "001", "880": "BD", "881": "001", "882": "001", "883": "001", "886": "TW", "888": "001", "960": "MV",
        "961": "LB", "962": "JO", "963": "SY", "964": "IQ", "965": "KW", "966": "SA", "967": "YE", "968": "OM",
        "970": "PS", "971": "AE", "972": "IL", "973": "BH", "974": "QA", "975": "BT", "976": "MN", "977": "NP",
        "979": "001", "992": "TJ", "993": "TM", "994": "AZ", "995": "GE", "996": "KG", "998": "UZ"
    }';
    last_bucket integer := -1;
    last_sid text := '';
BEGIN
    LOOP
        -- EXECUTE plans each batch for its own bounds; a cached generic plan may scan the whole table instead.
        EXECUTE $batch$
            WITH batch AS (
                SELECT a.bucket, a.sid, a.verification_sid FROM delivery_attempts a
                WHERE (a.bucket, a.sid) > ($1, $2)
                ORDER BY a.bucket, a.sid LIMIT 5000
            ), filled AS (
                UPDATE delivery_attempts a SET destination_region = coalesce(
                    $3 ->> substr(v.phone, 2, 1), $3 ->> substr(v.phone, 2, 2), $3 ->> substr(v.phone, 2, 3))
                FROM batch b JOIN verifications v ON v.bucket = b.bucket AND v.sid = b.verification_sid
                WHERE a.bucket = b.bucket AND a.sid = b.sid AND a.destination_region IS NULL
                    AND coalesce(
                        $3 ->> substr(v.phone, 2, 1), $3 ->> substr(v.phone, 2, 2), $3 ->> substr(v.phone, 2, 3))
                        IS NOT NULL
            )
            SELECT b.bucket, b.sid FROM batch b ORDER BY b.bucket DESC, b.sid DESC LIMIT 1
        $batch$ INTO last_bucket, last_sid USING last_bucket, last_sid, regions;
        EXIT WHEN last_sid IS NULL;
        COMMIT;
    END LOOP;
END
$backfill$;

ALTER TABLE delivery_attempts VALIDATE CONSTRAINT delivery_attempts_destination_region_check;

-- Which index serves which filter of GET /v2/Attempts and /Summary (rows newest first, pages continue before
-- (created_at, sid)):
-- * no filter, DateCreatedAfter/Before, Channel, Status: delivery_attempts_created, read backwards within the date
--   range. Channel (two values) and Status (derived from the verification) are checked on the rows it yields; an
--   index of their own would cost every start an insert for a filter that selects a large share of the rows.
-- * Country: delivery_attempts_by_region, in time order within the region.
-- * VerifyServiceSid: verifications_by_service, then each verification's attempts by
--   delivery_attempts_by_verification; where one service holds most rows, the planner reads
--   delivery_attempts_created instead.
-- * VerificationSid: the SID carries the bucket, so delivery_attempts_by_verification (bucket, verification_sid).
-- * ChannelData.To: the number's bucket, so the primary key's (bucket) prefix: about 1/65536 of the rows.
-- * DestinationPrefix (Summary): checked on the rows of the other filters.
-- Checked with EXPLAIN ANALYZE on 1M attempts over 30 days, 50 services, 5 single-region calling codes: every
-- filter above reads a page of 51 through the index named, at most a few thousand index rows (a service holding 2%
-- of the rows: 2516 read by delivery_attempts_created). Summary counts read every matching row by the same
-- indexes; `verifyd stats` over 7 of 30 days (a fifth of the table) hash-joins two sequential scans, which is
-- the cheaper plan for that share. AttemptQueryPlanTests asserts the index choices on a smaller table.
DROP INDEX CONCURRENTLY IF EXISTS delivery_attempts_created;
CREATE INDEX CONCURRENTLY delivery_attempts_created ON delivery_attempts (created_at, sid);

DROP INDEX CONCURRENTLY IF EXISTS delivery_attempts_by_region;
CREATE INDEX CONCURRENTLY delivery_attempts_by_region ON delivery_attempts (destination_region, created_at, sid)
    WHERE destination_region IS NOT NULL;

DROP INDEX CONCURRENTLY IF EXISTS verifications_by_service;
CREATE INDEX CONCURRENTLY verifications_by_service ON verifications (service_sid, created_at);
