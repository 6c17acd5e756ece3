@preconcurrency import Glibc
import TriageKit

/// Every command, in the order help lists them.
let commands: [CommandSpec] = [
    trainCommand,
    classifyCommand,
    evaluateCommand,
    splitCommand,
    reviewCommand,
    reviewListCommand,
    reviewShowCommand,
    reviewLabelCommand,
    reviewSkipCommand,
    reviewNextCommand,
    reviewUndoCommand,
    reviewReleaseCommand,
    reviewNoteCommand,
    reviewStatsCommand,
    reviewGoldCommand,
    reviewExportCommand,
    reviewImportCommand,
    reviewRescoreCommand,
    reviewReopenCommand,
    retrainCommand,
    recalibrateCommand,
    statsCommand,
    modelsListCommand,
    modelsShowCommand,
    modelsDiffCommand,
    modelsPromoteCommand,
    modelsRollbackCommand,
]

/// Exit statuses, as BSD's sysexits: 64 for a mistyped command line, 1 otherwise.
enum ExitStatus {
    static let success: Int32 = 0
    static let failure: Int32 = 1
    static let usage: Int32 = 64
}

signal(SIGPIPE, SIG_IGN)
let parser = ArgumentParser(commands: commands)
let arguments = Array(CommandLine.arguments.dropFirst())
let err = Output.standardError

do {
    switch try parser.parse(arguments) {
    case .version:
        Output.standardOutput.line("triage \(TriageVersion.current)")
        Output.standardOutput.flush()
    case .help(let path):
        let text = HelpFormatter(commands: commands).help(for: path)
        if path.isEmpty && arguments.isEmpty {
            // Bare `triage`: usage on standard error, as a usage error.
            err.write(text)
            err.flush()
            exit(ExitStatus.usage)
        }
        Output.standardOutput.write(text)
        Output.standardOutput.flush()
    case .run(let parsed):
        let context = try Context(arguments: parsed)
        try parsed.command.run(parsed, context)
        context.out.flush()
    }
} catch let error as UsageError {
    Output.standardOutput.flush()
    err.line("triage: error: \(error.message)")
    err.flush()
    exit(ExitStatus.usage)
} catch let error as TriageError {
    Output.standardOutput.flush()
    err.line("triage: error: \(error.description)")
    err.flush()
    exit(ExitStatus.failure)
} catch {
    Output.standardOutput.flush()
    err.line("triage: error: \(error)")
    err.flush()
    exit(ExitStatus.failure)
}
exit(ExitStatus.success)
