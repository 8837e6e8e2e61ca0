import Postgres
import VerifyCore

extension VerifyService {
    /// The columns `init(row:at:)` reads, in order, from `services` aliased `s`.
    static let columns: PostgresQuery = """
        s.sid, s.friendly_name, s.code_length, s.do_not_share_warning_enabled, s.custom_code_enabled, \
        s.dtmf_input_required, s.lookup_enabled, s.skip_sms_to_landlines, s.psd2_enabled, s.tts_name, \
        s.code_validity_seconds, s.max_check_attempts, s.max_send_attempts, s.created_at, s.updated_at
        """
    static let columnCount = 15

    init(row: PostgresRow, at offset: Int = 0) throws {
        var settings = ServiceSettings(friendlyName: try row.decode(offset + 1))
        settings.codeLength = try row.decode(offset + 2)
        settings.doNotShareWarningEnabled = try row.decode(offset + 3)
        settings.customCodeEnabled = try row.decode(offset + 4)
        settings.dtmfInputRequired = try row.decode(offset + 5)
        settings.lookupEnabled = try row.decode(offset + 6)
        settings.skipSmsToLandlines = try row.decode(offset + 7)
        settings.psd2Enabled = try row.decode(offset + 8)
        settings.ttsName = try row.decode(offset + 9)
        settings.codeValiditySeconds = try row.decode(offset + 10)
        settings.maxCheckAttempts = try row.decode(offset + 11)
        settings.maxSendAttempts = try row.decode(offset + 12)
        self.init(
            sid: try row.sid(offset),
            settings: settings,
            createdAt: try row.decode(offset + 13),
            updatedAt: try row.decode(offset + 14)
        )
    }
}
