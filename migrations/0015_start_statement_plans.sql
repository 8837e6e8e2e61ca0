-- A start's two largest statements, its state read and the insert of the verification with its first attempt, were
-- sent as text and so parsed and planned on every start: callgrind (single-user backend) counted 2.61 M
-- instructions for the state read, of which executing it is a tenth, and 1.65 M for the insert. As PL/pgSQL
-- functions their plans stay cached for the session (0.78 M for the state read), which holds behind pgbouncer in
-- transaction mode too: the plans are the server's, named nowhere on the wire. The statements are the ones verifyd
-- sent, with the same columns under the same names, so the callers read their rows as before; instances not yet
-- upgraded keep sending the text.

-- The service, what is known about the phone (its Safe List entry too) and its live verification, locked FOR
-- UPDATE until the caller's transaction ends (PostgresVerificationStore+Start.swift, `startState`). No row when the
-- service does not exist or was deleted.
CREATE FUNCTION verifyd_start_state(
    p_bucket integer, p_service text, p_phone text, p_erased_digests bytea[], p_failure_window integer)
RETURNS TABLE (
    service_sid text, service_friendly_name text, service_code_length smallint,
    service_do_not_share_warning_enabled boolean, service_custom_code_enabled boolean,
    service_dtmf_input_required boolean, service_lookup_enabled boolean, service_skip_sms_to_landlines boolean,
    service_psd2_enabled boolean, service_tts_name text, service_code_validity_seconds integer,
    service_max_check_attempts smallint, service_max_send_attempts smallint, service_geo_sms_allow text,
    service_geo_sms_deny text, service_geo_voice_allow text, service_geo_voice_deny text,
    service_created_at timestamptz, service_updated_at timestamptz,
    blocked boolean, opted_out boolean, safe_listed boolean, consecutive_failures integer,
    seconds_until_failures_decay integer,
    sid text, status text, send_count smallint, max_send_attempts smallint, seconds_until_expiry integer)
LANGUAGE plpgsql AS $function$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT s.sid, s.friendly_name, s.code_length, s.do_not_share_warning_enabled, s.custom_code_enabled,
        s.dtmf_input_required, s.lookup_enabled, s.skip_sms_to_landlines, s.psd2_enabled, s.tts_name,
        s.code_validity_seconds, s.max_check_attempts, s.max_send_attempts, s.geo_sms_allow, s.geo_sms_deny,
        s.geo_voice_allow, s.geo_voice_deny, s.created_at, s.updated_at,
        p.blocked_at IS NOT NULL,
        p.opted_out_at IS NOT NULL OR EXISTS (
            SELECT FROM erased_opt_outs e
            WHERE e.bucket = p_bucket AND e.phone_hmac = ANY (p_erased_digests)
                AND (p.updated_at IS NULL OR p.updated_at < e.erased_at)
        ),
        EXISTS (SELECT FROM safe_list_numbers l WHERE l.bucket = p_bucket AND l.phone = p_phone),
        coalesce(f.consecutive_failures, 0),
        coalesce(ceil(extract(epoch FROM f.last_failure_at - now())) + p_failure_window, 0)::integer,
        v.sid, v.status, v.send_count, v.max_send_attempts, ceil(extract(epoch FROM v.expires_at - now()))::integer
    FROM services s
    LEFT JOIN phones p ON p.bucket = p_bucket AND p.phone = p_phone
    LEFT JOIN phone_check_failures f ON f.bucket = p_bucket AND f.service_sid = s.sid AND f.phone = p_phone
    LEFT JOIN LATERAL (
        SELECT * FROM verifications w
        WHERE w.bucket = p_bucket AND w.service_sid = s.sid AND w.phone = p_phone
            AND w.status IN ('pending', 'max_attempts_reached')
        ORDER BY w.created_at DESC LIMIT 1
        FOR UPDATE
    ) v ON true
    WHERE s.sid = p_service AND s.deleted_at IS NULL;
END
$function$;

-- Inserts a pending verification and its first delivery attempt (claimed for `p_lease_seconds` when that is set,
-- as `p_attempt_status` says), in one statement (PostgresVerificationStore+Start.swift, `create`). No row when a
-- concurrent start holds the number's pending slot: then nothing was written.
CREATE FUNCTION verifyd_create_verification(
    p_bucket integer, p_sid text, p_service text, p_phone text, p_channel text, p_locale text,
    p_custom_friendly_name text, p_app_hash text, p_tags jsonb, p_device_ip text, p_key_id text, p_code_hash bytea,
    p_code_ciphertext bytea, p_max_check_attempts integer, p_max_send_attempts integer,
    p_validity_seconds integer, p_lookup_line_type text, p_attempt_sid text, p_attempt_status text,
    p_lease_seconds integer)
RETURNS TABLE (
    sid text, service_sid text, phone text, channel text, status text, locale text, check_attempts smallint,
    created_at timestamptz, updated_at timestamptz, expires_at timestamptz, lookup_line_type text,
    custom_friendly_name text, app_hash text, seconds_until_expiry integer, attempt_created_at timestamptz,
    attempt_status text)
LANGUAGE plpgsql AS $function$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH v AS (
        INSERT INTO verifications (
            bucket, sid, service_sid, phone, channel, status, locale, custom_friendly_name, app_hash, tags,
            device_ip, key_id, code_hash, code_ciphertext, max_check_attempts, max_send_attempts, expires_at,
            lookup_line_type)
        VALUES (
            p_bucket, p_sid, p_service, p_phone, p_channel, 'pending', p_locale, p_custom_friendly_name, p_app_hash,
            p_tags, p_device_ip, p_key_id, p_code_hash, p_code_ciphertext, p_max_check_attempts, p_max_send_attempts,
            now() + p_validity_seconds * interval '1 second', p_lookup_line_type)
        ON CONFLICT (bucket, service_sid, phone) WHERE status = 'pending' DO NOTHING
        RETURNING *
    ), a AS (
        INSERT INTO delivery_attempts (bucket, sid, verification_sid, channel, status, lease_expires_at)
        SELECT v.bucket, p_attempt_sid, v.sid, v.channel, p_attempt_status,
            now() + p_lease_seconds * interval '1 second'
        FROM v
        RETURNING created_at, status
    )
    SELECT v.sid, v.service_sid, v.phone, v.channel, v.status, v.locale, v.check_attempts, v.created_at,
        v.updated_at, v.expires_at, v.lookup_line_type, v.custom_friendly_name, v.app_hash,
        ceil(extract(epoch FROM v.expires_at - now()))::integer, a.created_at, a.status
    FROM v, a;
END
$function$;
