-- Inbound messages that carried STOP or START, so each acts once: Twilio retries a webhook it got no answer to, and
-- anyone who captured a signed one can send it again (the signature has no timestamp). The key is the MessageSid,
-- which the signature covers; Twilio's I-Twilio-Idempotency-Token header is not signed, so a replay could change it.
-- Every STOP and START is kept, not only those that changed the opt-out: a STOP that arrived while already opted out
-- would otherwise opt the phone out again when replayed after a later START.
--
-- Keyed by the phone's bucket, like every per-phone row, so the table shards with `phones`. A receipt lives exactly
-- as long as its phone row (ON DELETE CASCADE). Retention may delete receipts only together with their phone row,
-- and must not delete a phone row that has receipts unless the number itself is being erased: once the receipts are
-- gone, a replayed STOP would act again.
CREATE TABLE inbound_message_receipts (
    bucket integer NOT NULL,
    phone text NOT NULL,
    message_sid text NOT NULL CHECK (message_sid ~ '^[A-Z]{2}[0-9a-f]{32}$'),
    -- What the message asked: true for STOP, false for START.
    opted_out boolean NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bucket, phone, message_sid),
    FOREIGN KEY (bucket, phone) REFERENCES phones (bucket, phone) ON DELETE CASCADE
);
