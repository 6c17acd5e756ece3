import CSQLite

/// The review queue's tables, and the migrations that build them.
///
/// `cases` holds one row per model and input. `events` is the queue's history: one
/// row per change, written in the change's transaction, and never updated or deleted
/// (triggers refuse both). By kind:
///
/// - `deferred`, `redeferred`: an input was deferred, for the first or a later time;
///   `value` is the label the model predicted that time.
/// - `answered`: `reviewer` gave the label `value`; `previous` is the prediction.
/// - `skipped`: `reviewer` passed on the case.
///
/// `PRAGMA user_version` holds the schema version: the number of migration steps
/// applied. `PRAGMA application_id` marks the file as a Triage review queue, so that
/// another program's SQLite file is refused instead of having tables added to it.
enum ReviewQueueSchema {
    /// "TRIA" in ASCII, stored in the file header.
    static let applicationID: Int32 = 0x5452_4941

    /// The schema version this code writes and understands.
    static var currentVersion: Int { migrations.count }

    /// The migration steps, oldest first; step `n` (counting from 1) takes the
    /// schema from version `n - 1` to `n`.
    ///
    /// Append only: a shipped step must never change, because databases out there
    /// have already run it. Change the schema by appending a new step.
    static let migrations: [String] = [
        // 1: cases, and the log of everything that happened to them.
        """
        CREATE TABLE cases (
            id INTEGER PRIMARY KEY,
            model TEXT NOT NULL,
            model_version INTEGER NOT NULL,
            input TEXT NOT NULL,
            text TEXT NOT NULL,
            predicted TEXT NOT NULL,
            confidence REAL NOT NULL,
            probabilities TEXT NOT NULL,
            reason TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'answered')),
            answer TEXT,
            reviewer TEXT,
            times_deferred INTEGER NOT NULL DEFAULT 1,
            skips INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            answered_at REAL,
            UNIQUE (model, input),
            CHECK ((status = 'answered') = (answer IS NOT NULL))
        );

        CREATE INDEX cases_pending_by_model
            ON cases (model, skips, confidence, id) WHERE status = 'pending';
        CREATE INDEX cases_answered_by_model
            ON cases (model, answered_at, id) WHERE status = 'answered';

        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases (id),
            kind TEXT NOT NULL
                CHECK (kind IN ('deferred', 'redeferred', 'answered', 'skipped')),
            reviewer TEXT,
            value TEXT,
            previous TEXT,
            at REAL NOT NULL
        );

        CREATE INDEX events_by_case ON events (case_id, id);

        CREATE TRIGGER events_are_not_updated BEFORE UPDATE ON events
        BEGIN
            SELECT RAISE(ABORT, 'review events are append-only');
        END;

        CREATE TRIGGER events_are_not_deleted BEFORE DELETE ON events
        BEGIN
            SELECT RAISE(ABORT, 'review events are append-only');
        END;
        """,

        // 2: the labels of a conformal prediction set, for cases deferred by its size.
        """
        ALTER TABLE cases ADD COLUMN prediction_set TEXT;
        """,

        // 3: a desk for several reviewers: how many answers a case needs, its
        // priority, a known answer for gold cases, disputes; each reviewer's answers;
        // claims with leases; and events of any kind.
        """
        ALTER TABLE cases ADD COLUMN required_answers INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE cases ADD COLUMN priority REAL NOT NULL DEFAULT 0;
        ALTER TABLE cases ADD COLUMN gold TEXT;
        ALTER TABLE cases ADD COLUMN disputed INTEGER NOT NULL DEFAULT 0;

        CREATE TABLE answers (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases (id),
            reviewer TEXT NOT NULL,
            label TEXT NOT NULL,
            at REAL NOT NULL,
            source TEXT NOT NULL DEFAULT 'review'
                CHECK (source IN ('review', 'adjudication', 'import')),
            UNIQUE (case_id, reviewer, source)
        );
        CREATE INDEX answers_by_reviewer ON answers (reviewer, at);

        INSERT INTO answers (case_id, reviewer, label, at)
            SELECT id, coalesce(reviewer, 'unknown'), answer, coalesce(answered_at, updated_at)
            FROM cases WHERE status = 'answered';

        CREATE TABLE claims (
            case_id INTEGER NOT NULL REFERENCES cases (id),
            reviewer TEXT NOT NULL,
            expires_at REAL NOT NULL,
            PRIMARY KEY (case_id, reviewer)
        );

        DROP TRIGGER events_are_not_updated;
        DROP TRIGGER events_are_not_deleted;
        CREATE TABLE events_open (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases (id),
            kind TEXT NOT NULL,
            reviewer TEXT,
            value TEXT,
            previous TEXT,
            at REAL NOT NULL
        );
        INSERT INTO events_open SELECT id, case_id, kind, reviewer, value, previous, at FROM events;
        DROP TABLE events;
        ALTER TABLE events_open RENAME TO events;
        CREATE INDEX events_by_case ON events (case_id, id);
        CREATE TRIGGER events_are_not_updated BEFORE UPDATE ON events
        BEGIN
            SELECT RAISE(ABORT, 'review events are append-only');
        END;
        CREATE TRIGGER events_are_not_deleted BEFORE DELETE ON events
        BEGIN
            SELECT RAISE(ABORT, 'review events are append-only');
        END;
        """,

        // 4: cases a newly current model version decides on its own ('auto_resolved',
        // `model_version` naming that version), which needs the status check rebuilt;
        // and each version's traffic per day, with the histogram of its confidences.
        """
        CREATE TABLE cases_rebuilt (
            id INTEGER PRIMARY KEY,
            model TEXT NOT NULL,
            model_version INTEGER NOT NULL,
            input TEXT NOT NULL,
            text TEXT NOT NULL,
            predicted TEXT NOT NULL,
            confidence REAL NOT NULL,
            probabilities TEXT NOT NULL,
            reason TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'answered', 'auto_resolved')),
            answer TEXT,
            reviewer TEXT,
            times_deferred INTEGER NOT NULL DEFAULT 1,
            skips INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            answered_at REAL,
            prediction_set TEXT,
            required_answers INTEGER NOT NULL DEFAULT 1,
            priority REAL NOT NULL DEFAULT 0,
            gold TEXT,
            disputed INTEGER NOT NULL DEFAULT 0,
            UNIQUE (model, input),
            CHECK ((status = 'answered') = (answer IS NOT NULL))
        );
        INSERT INTO cases_rebuilt (
            id, model, model_version, input, text, predicted, confidence, probabilities,
            reason, status, answer, reviewer, times_deferred, skips, created_at, updated_at,
            answered_at, prediction_set, required_answers, priority, gold, disputed)
        SELECT
            id, model, model_version, input, text, predicted, confidence, probabilities,
            reason, status, answer, reviewer, times_deferred, skips, created_at, updated_at,
            answered_at, prediction_set, required_answers, priority, gold, disputed
        FROM cases;
        DROP TABLE cases;
        ALTER TABLE cases_rebuilt RENAME TO cases;
        CREATE INDEX cases_pending_by_model
            ON cases (model, skips, confidence, id) WHERE status = 'pending';
        CREATE INDEX cases_answered_by_model
            ON cases (model, answered_at, id) WHERE status = 'answered';

        CREATE TABLE traffic (
            model TEXT NOT NULL,
            model_version INTEGER NOT NULL,
            day TEXT NOT NULL,
            inputs INTEGER NOT NULL DEFAULT 0,
            deferred INTEGER NOT NULL DEFAULT 0,
            audited INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (model, model_version, day)
        );

        CREATE TABLE traffic_confidence (
            model TEXT NOT NULL,
            model_version INTEGER NOT NULL,
            day TEXT NOT NULL,
            bin INTEGER NOT NULL,
            inputs INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (model, model_version, day, bin)
        );
        """,
    ]

    /// Brings the database up to the version `steps` reach, each step in its own
    /// transaction.
    ///
    /// Another process may be migrating the same file at the same moment, so each
    /// step reads the version again once it holds the write lock, and skips work
    /// that is already done.
    ///
    /// - Parameter steps: the migration list; tests pass their own.
    /// - Throws: `.store` when the file belongs to another application, was written
    ///   by a newer Triage, or a step fails; steps before the failing one stay
    ///   applied.
    static func migrate(
        _ database: SQLiteDatabase, steps: [String] = migrations, logger: Logger
    ) throws {
        // Refuse files that are not ours, and schemas from the future, before writing.
        let found = try database.userVersion()
        try checkOwner(database, version: found, known: steps.count)
        guard found < steps.count else { return }

        // Apply the missing steps one transaction at a time. A step may rebuild a
        // table, which foreign keys would refuse midway (dropping the old table
        // orphans its references until the new one takes its name), so they are off
        // while steps run and checked before each step commits. SQLite ignores the
        // pragma inside a transaction, hence outside.
        try database.execute("PRAGMA foreign_keys = OFF")
        defer { try? database.execute("PRAGMA foreign_keys = ON") }
        for (index, sql) in steps.enumerated() where index >= found {
            let target = index + 1
            try database.transaction {
                let version = try database.userVersion()
                guard version < target else { return }
                let what = "cannot upgrade \(database.name) to schema version \(target)"
                try database.execute(sql, what: what)
                try checkForeignKeys(database, what: what)
                try database.setApplicationID(applicationID)
                try database.setUserVersion(target)
            }
            logger.debug(
                "migrated review queue",
                ["store.path": database.path, "schema.version": "\(target)"])
        }
    }

    /// Throws when a row refers to a row that does not exist.
    private static func checkForeignKeys(_ database: SQLiteDatabase, what: String) throws {
        let check = try database.prepare("PRAGMA foreign_key_check")
        if try check.step() {
            throw TriageError(
                .store, "\(what): table \(check.string(at: 0)) refers to missing rows",
                at: SourceLocation(file: database.path))
        }
    }

    private static func checkOwner(
        _ database: SQLiteDatabase, version: Int, known: Int
    ) throws {
        let location = SourceLocation(file: database.path)
        let notOurs = SQLiteDatabase.remedy(
            forPrimaryCode: SQLITE_NOTADB, name: database.name)

        // A newer Triage may have changed the tables in ways this one cannot read.
        if version > known {
            throw TriageError(
                .store,
                "\(database.name) has schema version \(version), but this Triage "
                    + "knows versions up to \(known)",
                at: location,
                remedy: "open it with the newer Triage that wrote it")
        }

        // A header stamped by another program.
        let owner = try database.applicationID()
        if owner != 0 && owner != applicationID {
            throw TriageError(
                .store,
                "cannot open \(database.name): the file belongs to another "
                    + "application (application id \(owner))",
                at: location, remedy: notOurs)
        }

        // An unstamped database that already has tables is someone else's.
        if version == 0 {
            let statement = try database.prepare("SELECT count(*) FROM sqlite_schema")
            let objects = try statement.step() ? statement.int64(at: 0) : 0
            if objects > 0 {
                throw TriageError(
                    .store,
                    "cannot open \(database.name): the file is an SQLite database "
                        + "with other tables",
                    at: location, remedy: notOurs)
            }
        }
    }
}
