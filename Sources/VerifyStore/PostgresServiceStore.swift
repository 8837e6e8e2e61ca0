import Postgres
import VerifyCore

/// Verify services in PostgreSQL.
public struct PostgresServiceStore: ServiceStore {
    let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    public func create(_ settings: ServiceSettings) async throws -> VerifyService {
        let row = try await client.query(Self.insert(settings, sid: .random(), marker: nil))[0]
        return try VerifyService(row: row)
    }

    public func service(_ sid: ServiceSid) async throws -> VerifyService? {
        let rows = try await client.query(
            "SELECT \(fragment: VerifyService.columns) FROM services s WHERE s.sid = \(sid.rawValue)")
        return try rows.single().map { try VerifyService(row: $0) }
    }

    public func list(after cursor: ServicePageCursor?, offset: Int, limit: Int) async throws -> [VerifyService] {
        let page = ServicePageCursor.clause(cursor, order: "s.created_at, s.sid", offset: offset, limit: limit)
        return try await client.query(
            "SELECT \(fragment: VerifyService.columns) FROM services s WHERE true \(fragment: page)"
        ).map { try VerifyService(row: $0) }
    }

    public func update(_ sid: ServiceSid, _ change: @escaping @Sendable (inout ServiceSettings) throws -> Void)
        async throws -> VerifyService?
    {
        try await client.withTransaction { connection in
            let rows = try await connection.query(
                "SELECT \(fragment: VerifyService.columns) FROM services s WHERE s.sid = \(sid.rawValue) FOR UPDATE")
            guard let row = rows.single() else { return nil }
            var settings = try VerifyService(row: row).settings
            try change(&settings)
            let updated = try await connection.query(
                """
                UPDATE services s SET friendly_name = \(settings.friendlyName), code_length = \(settings.codeLength),
                    do_not_share_warning_enabled = \(settings.doNotShareWarningEnabled),
                    custom_code_enabled = \(settings.customCodeEnabled),
                    dtmf_input_required = \(settings.dtmfInputRequired), lookup_enabled = \(settings.lookupEnabled),
                    skip_sms_to_landlines = \(settings.skipSmsToLandlines), psd2_enabled = \(settings.psd2Enabled),
                    tts_name = \(settings.ttsName), code_validity_seconds = \(settings.codeValiditySeconds),
                    max_check_attempts = \(settings.maxCheckAttempts), max_send_attempts = \(settings.maxSendAttempts),
                    geo_sms_allow = \(settings.geo.sms.allowList), geo_sms_deny = \(settings.geo.sms.denyList),
                    geo_voice_allow = \(settings.geo.voice.allowList), geo_voice_deny = \(settings.geo.voice.denyList),
                    updated_at = now()
                WHERE s.sid = \(sid.rawValue)
                RETURNING \(fragment: VerifyService.columns)
                """)
            return try VerifyService(row: updated[0])
        }
    }

    public func delete(_ sid: ServiceSid) async throws -> Bool {
        try await client.query("DELETE FROM services WHERE sid = \(sid.rawValue)").affectedRows == 1
    }

    public func defaultService(named name: String) async throws -> VerifyService {
        // Whoever inserts first wins; the others' inserts do nothing and the SELECT, a new statement, sees the winner.
        let results = try await client.withConnection { connection in
            try await connection.pipeline([
                Self.insert(
                    ServiceSettings(friendlyName: name), sid: .random(), marker: "default", ignoreConflict: true),
                "SELECT \(fragment: VerifyService.columns) FROM services s WHERE s.default_marker = 'default'",
            ])
        }
        return try VerifyService(row: results[1][0])
    }

    private static func insert(
        _ settings: ServiceSettings, sid: ServiceSid, marker: String?, ignoreConflict: Bool = false
    ) -> PostgresQuery {
        let conflict: PostgresQuery = ignoreConflict ? "ON CONFLICT (default_marker) DO NOTHING" : ""
        return """
            INSERT INTO services AS s (
                sid, friendly_name, code_length, do_not_share_warning_enabled, custom_code_enabled,
                dtmf_input_required, lookup_enabled, skip_sms_to_landlines, psd2_enabled, tts_name,
                code_validity_seconds, max_check_attempts, max_send_attempts, geo_sms_allow, geo_sms_deny,
                geo_voice_allow, geo_voice_deny, default_marker)
            VALUES (
                \(sid.rawValue), \(settings.friendlyName), \(settings.codeLength),
                \(settings.doNotShareWarningEnabled), \(settings.customCodeEnabled), \(settings.dtmfInputRequired),
                \(settings.lookupEnabled), \(settings.skipSmsToLandlines), \(settings.psd2Enabled), \(settings.ttsName),
                \(settings.codeValiditySeconds), \(settings.maxCheckAttempts), \(settings.maxSendAttempts),
                \(settings.geo.sms.allowList), \(settings.geo.sms.denyList), \(settings.geo.voice.allowList),
                \(settings.geo.voice.denyList), \(marker))
            \(fragment: conflict)
            RETURNING \(fragment: VerifyService.columns)
            """
    }
}
