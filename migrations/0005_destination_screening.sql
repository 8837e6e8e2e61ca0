-- A service's geo permissions over the operator's (VERIFYD_GEO_*), for SMS and calls separately, as the admin
-- command `verifyd services geo` sets them: comma-separated ISO 3166-1 alpha-2 codes, 001 for the non-geographic
-- ranges, and * for every region not named. Empty says nothing, leaving every region to the global settings.
ALTER TABLE services
    ADD COLUMN geo_sms_allow text NOT NULL DEFAULT ''
        CHECK (geo_sms_allow ~ '^((\*|[A-Z]{2}|001)(,(\*|[A-Z]{2}|001))*)?$'),
    ADD COLUMN geo_sms_deny text NOT NULL DEFAULT ''
        CHECK (geo_sms_deny ~ '^((\*|[A-Z]{2}|001)(,(\*|[A-Z]{2}|001))*)?$'),
    ADD COLUMN geo_voice_allow text NOT NULL DEFAULT ''
        CHECK (geo_voice_allow ~ '^((\*|[A-Z]{2}|001)(,(\*|[A-Z]{2}|001))*)?$'),
    ADD COLUMN geo_voice_deny text NOT NULL DEFAULT ''
        CHECK (geo_voice_deny ~ '^((\*|[A-Z]{2}|001)(,(\*|[A-Z]{2}|001))*)?$');

-- What the number's metadata (libphonenumber) said about its line type when the verification was created, kept only
-- when the service had LookupEnabled, so that every fetch answers the same `lookup`. The check is NOT VALID so that
-- adding it does not scan a large table under an exclusive lock: every existing row holds NULL, and new rows are
-- checked all the same.
ALTER TABLE verifications ADD COLUMN lookup_line_type text;
ALTER TABLE verifications ADD CONSTRAINT verifications_lookup_line_type_check CHECK (lookup_line_type IN (
    'fixed_line', 'mobile', 'fixed_line_or_mobile', 'toll_free', 'premium_rate', 'shared_cost', 'voip',
    'personal_number', 'pager', 'uan', 'voicemail', 'unknown')) NOT VALID;
