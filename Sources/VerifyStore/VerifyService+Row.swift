import Postgres
import VerifyCore

extension VerifyService {
    /// The columns `init(row:)` reads, by name, from `services` aliased `s`. Each is named `service_…`, so a row
    /// can hold a verification's columns beside them.
    static let columns: PostgresQuery = "s.sid AS service_sid, \(fragment: settingsColumns)"

    /// `columns` without the SID, for a row that also holds a verification: its `service_sid` names the service.
    static let settingsColumns: PostgresQuery = """
        s.friendly_name AS service_friendly_name, s.code_length AS service_code_length, \
        s.do_not_share_warning_enabled AS service_do_not_share_warning_enabled, \
        s.custom_code_enabled AS service_custom_code_enabled, s.dtmf_input_required AS service_dtmf_input_required, \
        s.lookup_enabled AS service_lookup_enabled, s.skip_sms_to_landlines AS service_skip_sms_to_landlines, \
        s.psd2_enabled AS service_psd2_enabled, s.tts_name AS service_tts_name, \
        s.code_validity_seconds AS service_code_validity_seconds, \
        s.max_check_attempts AS service_max_check_attempts, s.max_send_attempts AS service_max_send_attempts, \
        s.geo_sms_allow AS service_geo_sms_allow, s.geo_sms_deny AS service_geo_sms_deny, \
        s.geo_voice_allow AS service_geo_voice_allow, s.geo_voice_deny AS service_geo_voice_deny, \
        s.created_at AS service_created_at, s.updated_at AS service_updated_at
        """

    init(row: PostgresRow) throws {
        var settings = ServiceSettings(friendlyName: try row.decode("service_friendly_name"))
        settings.codeLength = try row.decode("service_code_length")
        settings.doNotShareWarningEnabled = try row.decode("service_do_not_share_warning_enabled")
        settings.customCodeEnabled = try row.decode("service_custom_code_enabled")
        settings.dtmfInputRequired = try row.decode("service_dtmf_input_required")
        settings.lookupEnabled = try row.decode("service_lookup_enabled")
        settings.skipSmsToLandlines = try row.decode("service_skip_sms_to_landlines")
        settings.psd2Enabled = try row.decode("service_psd2_enabled")
        settings.ttsName = try row.decode("service_tts_name")
        settings.codeValiditySeconds = try row.decode("service_code_validity_seconds")
        settings.maxCheckAttempts = try row.decode("service_max_check_attempts")
        settings.maxSendAttempts = try row.decode("service_max_send_attempts")
        settings.geo = GeoPermissions(
            sms: try row.geoRules("service_geo_sms"), voice: try row.geoRules("service_geo_voice"))
        self.init(
            sid: try row.sid("service_sid"),
            settings: settings,
            createdAt: try row.decode("service_created_at"),
            updatedAt: try row.decode("service_updated_at")
        )
    }
}

extension PostgresRow {
    /// The geo rules stored in the columns `prefix_allow` and `prefix_deny`.
    fileprivate func geoRules(_ prefix: String) throws -> GeoRules {
        do {
            return try GeoRules(
                allow: try decode(prefix + "_allow", as: String.self),
                deny: try decode(prefix + "_deny", as: String.self))
        } catch is GeoRulesError {
            throw StoreError.malformed("geo permissions", column: prefix + "_allow")
        }
    }
}
