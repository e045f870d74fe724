/// The schema's history. Never edit a shipped migration: add a new one, so old files upgrade in place.
public enum Schema {
    public static let migrations: [Migration] = [peopleAndSessions, outboxAndReplies, simulatorOutbox, outboxIndexes,
                                                  plainChecks, noProviderIDIndex, noOpenIndex, providerTrouble,
                                                  simulatorMessageIDs, withdrawnMessages, optOutsBySource, receiptLookups,
                                                  callAttemptNumbers, callsInFlightBeforeNotes]

    /// Version 1: who we reach and what they come to.
    static let peopleAndSessions = Migration(version: 1, name: "people and sessions", sql: """
        CREATE TABLE people (
            id INTEGER PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('senior', 'guide', 'coordinator')),
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            phone TEXT NOT NULL UNIQUE CHECK (phone GLOB '+[1-9]*'),
            language TEXT NOT NULL CHECK (length(language) >= 2),
            channel TEXT NOT NULL CHECK (channel IN ('sms', 'voice', 'both')),
            pickup TEXT NOT NULL DEFAULT '',
            notes TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX people_role_language ON people (role, language);

        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL CHECK (length(trim(title)) > 0),
            place TEXT NOT NULL,
            start_local TEXT NOT NULL,
            duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
            time_zone TEXT NOT NULL,
            rrule TEXT,
            created_at TEXT NOT NULL
        );

        CREATE TABLE session_exceptions (
            session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            local_date TEXT NOT NULL,
            PRIMARY KEY (session_id, local_date)
        ) WITHOUT ROWID;

        CREATE TABLE enrollments (
            person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
            session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            PRIMARY KEY (person_id, session_id)
        ) WITHOUT ROWID;
        CREATE INDEX enrollments_session ON enrollments (session_id);
        """)

    /// Version 2: the outbox, replies, opt-outs, escorts, campaigns, calls and the audit log.
    static let outboxAndReplies = Migration(version: 2, name: "outbox, replies, escorts, campaigns", sql: """
        CREATE TABLE escorts (
            id INTEGER PRIMARY KEY,
            senior_id INTEGER NOT NULL REFERENCES people (id),
            guide_id INTEGER NOT NULL REFERENCES people (id),
            session_id INTEGER NOT NULL REFERENCES sessions (id),
            occurrence_start TEXT NOT NULL,
            pickup_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'requested'
                CHECK (status IN ('requested', 'confirmed', 'declined', 'expired', 'cancelled')),
            reply_code TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (senior_id, session_id, occurrence_start, guide_id)
        );
        CREATE INDEX escorts_guide_status ON escorts (guide_id, status);

        CREATE TABLE campaigns (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            template TEXT NOT NULL,
            audience TEXT NOT NULL,
            channel TEXT CHECK (channel IS NULL OR channel IN ('sms', 'voice')),
            send_at TEXT,
            status TEXT NOT NULL DEFAULT 'draft'
                CHECK (status IN ('draft', 'scheduled', 'running', 'paused', 'done', 'cancelled')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );

        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            person_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
            campaign_id INTEGER REFERENCES campaigns (id),
            phone TEXT NOT NULL,
            channel TEXT NOT NULL CHECK (channel IN ('sms', 'voice')),
            language TEXT NOT NULL,
            template TEXT NOT NULL,
            body TEXT NOT NULL,
            encoding TEXT,
            segments INTEGER,
            dedupe_key TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed',
                                  'cancelled', 'suppressed', 'unknown')),
            attempts INTEGER NOT NULL DEFAULT 0,
            not_before TEXT NOT NULL,
            expires_at TEXT,
            provider TEXT,
            provider_id TEXT,
            error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX messages_due ON messages (status, not_before);
        CREATE INDEX messages_campaign ON messages (campaign_id, status);
        CREATE UNIQUE INDEX messages_provider_id ON messages (provider, provider_id) WHERE provider_id IS NOT NULL;

        CREATE TABLE inbound (
            id INTEGER PRIMARY KEY,
            provider TEXT NOT NULL,
            provider_id TEXT NOT NULL,
            from_phone TEXT NOT NULL,
            to_phone TEXT NOT NULL,
            body TEXT NOT NULL,
            received_at TEXT NOT NULL,
            intent TEXT,
            message_id INTEGER REFERENCES messages (id),
            UNIQUE (provider, provider_id)
        );
        CREATE INDEX inbound_from ON inbound (from_phone, received_at);

        CREATE TABLE opt_outs (
            id INTEGER PRIMARY KEY,
            phone TEXT NOT NULL,
            channel TEXT NOT NULL CHECK (channel IN ('sms', 'voice', 'all')),
            keyword TEXT,
            source TEXT NOT NULL,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        );
        CREATE UNIQUE INDEX opt_outs_active ON opt_outs (phone, channel) WHERE revoked_at IS NULL;

        CREATE TABLE call_attempts (
            id INTEGER PRIMARY KEY,
            message_id INTEGER NOT NULL REFERENCES messages (id),
            provider_call_id TEXT,
            status TEXT NOT NULL,
            reason TEXT,
            digits TEXT,
            started_at TEXT NOT NULL,
            ended_at TEXT
        );
        CREATE INDEX call_attempts_message ON call_attempts (message_id);

        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT,
            detail TEXT
        );
        """)

    /// Version 3: what the embedded Simulator provider "sent" (the demo's and tests' view of the network).
    static let simulatorOutbox = Migration(version: 3, name: "simulator outbox", sql: """
        CREATE TABLE simulator_outbox (
            id INTEGER PRIMARY KEY,
            provider_id TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL CHECK (kind IN ('sms', 'call')),
            to_phone TEXT NOT NULL,
            from_sender TEXT NOT NULL,
            body TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        """)

    /// Version 4: outbox indexes that a message's journey (`queued → sending → sent`) touches as little as possible.
    /// A status change used to move the row in two full indexes keyed by status; now the due queue and the open
    /// messages of a campaign are partial indexes a message leaves once, and the campaign index has no status.
    /// Measured: a claim plus its result write cost a third less SQLite work per message.
    static let outboxIndexes = Migration(version: 4, name: "partial outbox indexes", sql: """
        DROP INDEX messages_due;
        DROP INDEX messages_campaign;
        CREATE INDEX messages_due ON messages (not_before) WHERE status = 'queued';
        CREATE INDEX messages_open ON messages (campaign_id, status) WHERE status IN ('queued', 'sending');
        CREATE INDEX messages_campaign ON messages (campaign_id);
        CREATE INDEX messages_unknown ON messages (updated_at) WHERE status = 'unknown';
        """)

    /// Version 5: people and messages rebuilt with each CHECK on a list of words written as `=` comparisons joined by
    /// OR. SQLite (3.40) checks `x IN (three or more constants)` by building a temporary table of the constants for
    /// every row written: measured 3.7 µs per insert and 2.7 µs per update of a message, a quarter of a campaign's
    /// fan-out and two of these per message sent. SQLite cannot change a CHECK in place, so the two tables written
    /// per message or per person are copied into new ones (ids kept, foreign keys checked before commit); tables
    /// written rarely (campaigns, escorts, opt-outs) keep theirs.
    static let plainChecks = Migration(version: 5, name: "checks without temporary tables", rebuildsTables: true, sql: """
        CREATE TABLE people_new (
            id INTEGER PRIMARY KEY,
            role TEXT NOT NULL CHECK (role = 'senior' OR role = 'guide' OR role = 'coordinator'),
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            phone TEXT NOT NULL UNIQUE CHECK (phone GLOB '+[1-9]*'),
            language TEXT NOT NULL CHECK (length(language) >= 2),
            channel TEXT NOT NULL CHECK (channel = 'sms' OR channel = 'voice' OR channel = 'both'),
            pickup TEXT NOT NULL DEFAULT '',
            notes TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        INSERT INTO people_new (id, role, name, phone, language, channel, pickup, notes, created_at, updated_at)
            SELECT id, role, name, phone, language, channel, pickup, notes, created_at, updated_at FROM people;
        DROP TABLE people;
        ALTER TABLE people_new RENAME TO people;
        CREATE INDEX people_role_language ON people (role, language);

        CREATE TABLE messages_new (
            id INTEGER PRIMARY KEY,
            person_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
            campaign_id INTEGER REFERENCES campaigns (id),
            phone TEXT NOT NULL,
            channel TEXT NOT NULL CHECK (channel IN ('sms', 'voice')),
            language TEXT NOT NULL,
            template TEXT NOT NULL,
            body TEXT NOT NULL,
            encoding TEXT,
            segments INTEGER,
            dedupe_key TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL DEFAULT 'queued'
                CHECK (status = 'queued' OR status = 'sending' OR status = 'sent' OR status = 'delivered'
                       OR status = 'undelivered' OR status = 'failed' OR status = 'cancelled' OR status = 'suppressed'
                       OR status = 'unknown'),
            attempts INTEGER NOT NULL DEFAULT 0,
            not_before TEXT NOT NULL,
            expires_at TEXT,
            provider TEXT,
            provider_id TEXT,
            error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        INSERT INTO messages_new (id, person_id, campaign_id, phone, channel, language, template, body, encoding, segments,
                                  dedupe_key, status, attempts, not_before, expires_at, provider, provider_id, error,
                                  created_at, updated_at)
            SELECT id, person_id, campaign_id, phone, channel, language, template, body, encoding, segments,
                   dedupe_key, status, attempts, not_before, expires_at, provider, provider_id, error, created_at, updated_at
            FROM messages;
        DROP TABLE messages;
        ALTER TABLE messages_new RENAME TO messages;
        CREATE UNIQUE INDEX messages_provider_id ON messages (provider, provider_id) WHERE provider_id IS NOT NULL;
        CREATE INDEX messages_due ON messages (not_before) WHERE status = 'queued';
        CREATE INDEX messages_open ON messages (campaign_id, status) WHERE status IN ('queued', 'sending');
        CREATE INDEX messages_campaign ON messages (campaign_id);
        CREATE INDEX messages_unknown ON messages (updated_at) WHERE status = 'unknown';
        """)

    /// Version 6: no index on the providers' message ids. Their ids are random (Twilio's SM + 32 hex digits), so each
    /// result written touched a page of that index somewhere new: about two more page writes per message sent
    /// (measured 3.1 instead of 0.9 per message, with the index and without). Receipts now name the message by our own
    /// id (the callback URL carries `message_id`, Vonage echoes client-ref) and find it by its key.
    static let noProviderIDIndex = Migration(version: 6, name: "receipts by our message id", sql: """
        DROP INDEX messages_provider_id;
        """)

    /// Version 7: no index of a campaign's open messages. Its key held the status, so every claim (queued → sending)
    /// and every result (sending → sent) moved the message in it: measured 24 % fewer SQLite instructions per message
    /// sent without it (57.6k → 44.0k, callgrind). Campaign completion reads the campaign's messages newest first
    /// through `messages_campaign` instead, and stops at the first still open: the newest are sent last.
    static let noOpenIndex = Migration(version: 7, name: "no index of open messages", sql: """
        DROP INDEX messages_open;
        """)

    /// Version 8: a provider's trouble outlives the process. A pause for a failing provider was kept in memory only,
    /// so `run --once` from cron forgot it each minute and an outage spent the queue's retries.
    static let providerTrouble = Migration(version: 8, name: "provider trouble", sql: """
        CREATE TABLE provider_trouble (
            provider TEXT PRIMARY KEY,
            failures_in_a_row INTEGER NOT NULL,
            pauses_in_a_row INTEGER NOT NULL,
            held_until TEXT,
            updated_at TEXT NOT NULL
        );
        """)

    /// Version 9: the Simulator keeps our message id with what it "sent", and a lookup after a crash matches on it.
    /// It matched on the number and the text, so a reminder whose text repeated an earlier one (both rules of a session
    /// render alike) was "found" as the earlier SMS and marked delivered, never sent. (Vonage is searched by its
    /// client-ref the same way.) Rows from before have no id and are never matched.
    static let simulatorMessageIDs = Migration(version: 9, name: "simulator message ids", sql: """
        ALTER TABLE simulator_outbox ADD COLUMN message_id INTEGER;
        CREATE INDEX simulator_outbox_message ON simulator_outbox (message_id);
        """)

    /// Version 10: why a message in flight must not be sent again (its session date was cancelled, its senior taken
    /// out of the session). A message `sending` or `unknown` then cannot be cancelled at once, but a retry, a
    /// release, a lookup that finds it never arrived or `settle --resend` would queue it again: with this set it is
    /// cancelled instead, with this reason (see `OutboxStore.backInQueue`). NULL for all others: nothing is written.
    static let withdrawnMessages = Migration(version: 10, name: "withdrawn messages", sql: """
        ALTER TABLE messages ADD COLUMN withdrawn TEXT;
        """)

    /// Version 11: one opt-out in force per number, scope and source. With one per number and scope, a STOP texted while
    /// a coordinator's opt-out of the same scope held was not stored (and ending the coordinator's let messages flow
    /// again), and a coordinator's recorded after a STOP was not stored (and the person's START ended all).
    static let optOutsBySource = Migration(version: 11, name: "opt-outs by source", sql: """
        DROP INDEX opt_outs_active;
        CREATE UNIQUE INDEX opt_outs_active ON opt_outs (phone, channel, source) WHERE revoked_at IS NULL;
        """)

    /// Version 12: when the provider was last asked about an SMS still `sent` (its receipt lost or never posted; see the
    /// service's `ReceiptChecker`), so the lookups space out across restarts and cron runs. No index, and nothing is
    /// written on the send path: NULL until a lookup.
    static let receiptLookups = Migration(version: 12, name: "receipt lookups", sql: """
        ALTER TABLE messages ADD COLUMN receipt_checked_at TEXT;
        """)

    /// Version 13: which attempt of a call a `call_attempts` row notes. The dispatcher notes each attempt before it places
    /// the call, so after a crash a call claimed but never placed goes back to the queue (only a call that may have been
    /// placed is left `unknown`: a second call is not ours to risk). Before, every call claimed ahead was left in doubt.
    static let callAttemptNumbers = Migration(version: 13, name: "call attempt numbers", sql: """
        ALTER TABLE call_attempts ADD COLUMN attempt INTEGER;
        """)

    /// Version 14: a call left `sending` by a version that did not note its attempts (before 13) may have been placed:
    /// it is noted now, so the next start leaves it `unknown` for the coordinator instead of queuing it again, which
    /// called the senior twice after an upgrade. (A file already at 13 gains notes only for calls in flight: at worst
    /// a call never placed is left in doubt, never one placed twice.)
    static let callsInFlightBeforeNotes = Migration(version: 14, name: "calls in flight before notes", sql: """
        INSERT INTO call_attempts (message_id, attempt, status, started_at)
        SELECT id, attempts, 'started', updated_at FROM messages m
        WHERE status = 'sending' AND channel = 'voice'
          AND NOT EXISTS (SELECT 1 FROM call_attempts a WHERE a.message_id = m.id AND a.attempt = m.attempts);
        """)
}
