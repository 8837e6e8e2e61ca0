import Postgres
import VerifyCore

/// Blocks and opt-outs in PostgreSQL.
public struct PostgresPhoneStore: PhoneStore {
    let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    public func block(_ phone: PhoneNumber, reason: String) async throws {
        try await client.query(
            """
            INSERT INTO phones (bucket, phone, blocked_at, blocked_reason) VALUES (\(phone.bucket), \(phone.e164), now(), \(reason))
            ON CONFLICT (bucket, phone) DO UPDATE
            SET blocked_at = now(), blocked_reason = excluded.blocked_reason, updated_at = now()
            """)
    }

    public func unblock(_ phone: PhoneNumber) async throws -> Bool {
        let results = try await client.withConnection { connection in
            try await connection.pipeline([
                """
                UPDATE phones SET blocked_at = NULL, blocked_reason = NULL, updated_at = now()
                WHERE bucket = \(phone.bucket) AND phone = \(phone.e164) AND blocked_at IS NOT NULL
                """,
                "DELETE FROM phone_check_failures WHERE bucket = \(phone.bucket) AND phone = \(phone.e164)",
            ])
        }
        return results[0].affectedRows + results[1].affectedRows > 0
    }

    public func setOptedOut(_ phone: PhoneNumber, _ optedOut: Bool) async throws {
        if optedOut {
            try await client.query(
                """
                INSERT INTO phones (bucket, phone, opted_out_at) VALUES (\(phone.bucket), \(phone.e164), now())
                ON CONFLICT (bucket, phone) DO UPDATE
                SET opted_out_at = coalesce(phones.opted_out_at, now()), updated_at = now()
                """)
        } else {
            try await client.query(
                """
                UPDATE phones SET opted_out_at = NULL, updated_at = now()
                WHERE bucket = \(phone.bucket) AND phone = \(phone.e164)
                """)
        }
    }
}

extension PostgresPhoneStore {
    /// One round trip and one transaction: the phone row first (the receipt references it), then the receipt, and
    /// the opt-out changes only when the receipt is new. A concurrent copy of the same message waits on the receipt's
    /// key and then finds it taken.
    public func recordOptOutMessage(_ phone: PhoneNumber, optedOut: Bool, messageSid: String) async throws -> Bool {
        let results = try await client.withConnection { connection in
            try await connection.pipeline([
                """
                INSERT INTO phones (bucket, phone) VALUES (\(phone.bucket), \(phone.e164))
                ON CONFLICT (bucket, phone) DO NOTHING
                """,
                """
                WITH receipt AS (
                    INSERT INTO inbound_message_receipts (bucket, phone, message_sid, opted_out)
                    VALUES (\(phone.bucket), \(phone.e164), \(messageSid), \(optedOut))
                    ON CONFLICT (bucket, phone, message_sid) DO NOTHING
                    RETURNING 1
                )
                UPDATE phones
                SET opted_out_at = CASE WHEN \(optedOut) THEN coalesce(opted_out_at, now()) END, updated_at = now()
                WHERE bucket = \(phone.bucket) AND phone = \(phone.e164) AND EXISTS (SELECT FROM receipt)
                """,
            ])
        }
        return results[1].affectedRows == 1
    }
}
