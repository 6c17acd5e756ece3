/// Options every command accepts, wherever they appear on the line.
let globalOptions: [OptionSpec] = [
    .value("home", "DIR", "Folder holding models/ and review/ (or TRIAGE_HOME)", default: "."),
    .flag("quiet", short: "q", "Print no progress or notes on standard error"),
    .flag("verbose", short: "v", "Print debug logs on standard error"),
    .flag("help", short: "h", "Show help for the command"),
]

/// The result of parsing: a command to run, or help to show.
enum ParseOutcome {
    case run(ParsedArguments)
    /// Help for a command, or for a group of commands (a path prefix).
    case help(path: [String])
    case version
}

/// Parses `triage` command lines against declared commands.
///
/// Command words come first; options may come before or after positional arguments
/// and anywhere after the command words, and `--` ends options. Global options are
/// accepted anywhere, also before the command words.
struct ArgumentParser {
    let commands: [CommandSpec]

    func parse(_ arguments: [String]) throws -> ParseOutcome {
        // Command words, with global options allowed in between.
        var path: [String] = []
        var index = 0
        var early = ParsedArguments(command: placeholder)
        while index < arguments.count {
            let word = arguments[index]
            if word.hasPrefix("-") && word != "-" {
                if word == "--version" { return .version }
                guard
                    let consumed = try parseOption(
                        arguments, at: index, specs: globalOptions, into: &early, command: nil)
                else {
                    // A command that also heads a group (`review`) takes its own
                    // options right after its name.
                    if commands.contains(where: { $0.path == path }) { break }
                    let group = path.isEmpty ? "" : " \(path.joined(separator: " "))"
                    throw UsageError(
                        "unknown option '\(word)'; name a command first (see 'triage\(group) --help')",
                        command: nil)
                }
                index += consumed
                continue
            }
            let candidate = path + [word]
            if commands.contains(where: { $0.path.starts(with: candidate) }) {
                path = candidate
                index += 1
                if commands.contains(where: { $0.path == path })
                    && !commands.contains(where: {
                        $0.path.count > path.count && $0.path.starts(with: path)
                    })
                {
                    break
                }
                continue
            }
            break
        }

        if early.flag("help") { return .help(path: path) }
        guard let command = commands.first(where: { $0.path == path }) else {
            if index < arguments.count {
                let group = path.isEmpty ? "triage" : "triage \(path.joined(separator: " "))"
                throw UsageError(
                    "unknown command '\(arguments[index])' for '\(group)' (see '\(group) --help')",
                    command: nil)
            }
            return .help(path: path)
        }

        // Everything after the command words.
        var parsed = ParsedArguments(command: command)
        parsed.values = early.values
        parsed.flags = early.flags
        let specs = command.options + globalOptions
        var optionsEnded = false
        while index < arguments.count {
            let word = arguments[index]
            if !optionsEnded && word == "--" {
                optionsEnded = true
                index += 1
                continue
            }
            if !optionsEnded && word.hasPrefix("-") && word != "-" {
                guard
                    let consumed = try parseOption(
                        arguments, at: index, specs: specs, into: &parsed, command: command)
                else {
                    throw UsageError(
                        "unknown option '\(word)' for '\(command.fullName)' (see '\(command.fullName) --help')",
                        command: command)
                }
                index += consumed
                continue
            }
            parsed.positionals.append(word)
            index += 1
        }

        if parsed.flag("help") { return .help(path: command.path) }
        try checkPositionals(parsed, command)
        return .run(parsed)
    }

    /// Parses one option at `index`; returns how many words it used, or `nil` when
    /// no spec matches.
    private func parseOption(
        _ arguments: [String], at index: Int, specs: [OptionSpec],
        into parsed: inout ParsedArguments, command: CommandSpec?
    ) throws -> Int? {
        let word = arguments[index]
        var name: Substring
        var inline: String?
        let spec: OptionSpec?
        if word.hasPrefix("--") {
            name = word.dropFirst(2)
            if let equals = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: equals)...])
                name = name[..<equals]
            }
            spec = specs.first { $0.name == name }
        } else {
            guard word.count == 2, let letter = word.last else { return nil }
            spec = specs.first { $0.short == letter }
            name = Substring(spec?.name ?? "")
        }
        guard let spec else { return nil }

        guard spec.takesValue else {
            if inline != nil {
                throw UsageError("option '--\(spec.name)' takes no value", command: command)
            }
            parsed.flags.insert(spec.name)
            return 1
        }
        let value: String
        var used = 1
        if let inline {
            value = inline
        } else {
            guard index + 1 < arguments.count,
                !(arguments[index + 1].hasPrefix("--") && arguments[index + 1].count > 2)
            else {
                throw UsageError("option '\(spec.synopsis)' needs a value", command: command)
            }
            value = arguments[index + 1]
            used = 2
        }
        // An empty value is a slip (an unset shell variable, a stray `=`), not a
        // setting: no option takes one. Paths, names, columns, labels and notes are
        // never empty, and a number or a choice cannot be.
        guard !value.isEmpty else {
            throw UsageError(
                "option '\(spec.synopsis)' needs a value, got an empty one", command: command)
        }
        if case .repeated = spec.kind {
            parsed.values[spec.name, default: []].append(value)
        } else {
            if parsed.values[spec.name] != nil {
                throw UsageError("option '--\(spec.name)' is given twice", command: command)
            }
            parsed.values[spec.name] = [value]
        }
        return used
    }

    private func checkPositionals(_ parsed: ParsedArguments, _ command: CommandSpec) throws {
        let required = command.positionals.filter { !$0.optional }.count
        if parsed.positionals.count < required {
            let missing = command.positionals[parsed.positionals.count]
            throw UsageError(
                "'\(command.fullName)' needs \(missing.name) (see '\(command.fullName) --help')",
                command: command)
        }
        if parsed.positionals.count > command.positionals.count {
            throw UsageError(
                "unexpected argument '\(parsed.positionals[command.positionals.count])' for '\(command.fullName)'",
                command: command)
        }
    }

    /// Stand-in command for global options parsed before the command is known.
    private var placeholder: CommandSpec {
        CommandSpec(path: [], summary: "", run: { _, _ in })
    }
}
