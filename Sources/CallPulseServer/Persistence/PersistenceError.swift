import CallPulseSupport

/// What failed in the state directory (docs/errors.md): why the daemon must not start on it.
/// A checkpoint or journal a restart can do without is logged and skipped, not thrown.
public typealias PersistenceError = LayerError<PersistenceErrorKind>

/// The kinds of `PersistenceError`; each raw value is its code.
public enum PersistenceErrorKind: String, ErrorKind {
    /// The state directory cannot be created.
    case cannotCreateDirectory = "cannot_create_state_directory"
    /// No usable checkpoint covers the journal's start: starting would lose state.
    case journalNotCovered = "journal_not_covered"
    /// A journal segment before the last is corrupt: replaying would leave a gap.
    case corruptJournal = "corrupt_journal"
    /// A journal file cannot be read, cut at its torn tail, or opened for appending.
    case journalIO = "journal_io"
    /// The engine cannot be set up with the configured settings.
    case invalidSettings = "invalid_settings"
}
