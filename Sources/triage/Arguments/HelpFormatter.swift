/// Renders `--help` for a command or a group of commands.
struct HelpFormatter {
    let commands: [CommandSpec]

    func help(for path: [String]) -> String {
        if let command = commands.first(where: { $0.path == path }) {
            return help(command)
        }
        return groupHelp(path)
    }

    private func help(_ command: CommandSpec) -> String {
        var text = "Usage: \(command.fullName)"
        for positional in command.positionals {
            text += positional.optional ? " [\(positional.name)]" : " \(positional.name)"
        }
        text += command.options.isEmpty ? "\n" : " [options]\n"
        text += "\n\(command.summary).\n"
        if !command.discussion.isEmpty { text += "\n\(command.discussion)\n" }
        if !command.positionals.isEmpty {
            text += "\nArguments:\n"
            for positional in command.positionals {
                text += line(positional.name, positional.help)
            }
        }
        if !command.options.isEmpty {
            text += "\nOptions:\n"
            for option in command.options { text += line(option) }
        }
        let subcommands = commands.filter {
            $0.path.count > command.path.count && $0.path.starts(with: command.path)
        }
        if !subcommands.isEmpty {
            text += "\nCommands:\n"
            for subcommand in subcommands {
                text += line(
                    subcommand.path.dropFirst(command.path.count).joined(separator: " "),
                    subcommand.summary)
            }
        }
        text += "\nGlobal options:\n"
        for option in globalOptions { text += line(option) }
        if !subcommands.isEmpty {
            text += "\nRun '\(command.fullName) COMMAND --help' for a command's options.\n"
        }
        return text
    }

    private func groupHelp(_ path: [String]) -> String {
        let prefix = (["triage"] + path).joined(separator: " ")
        var text = "Usage: \(prefix) COMMAND [options]\n\n"
        if path.isEmpty {
            text += """
                Triage decides what its model is sure of and sends the rest to people,
                whose answers train the next model.


                """
        }
        text += "Commands:\n"
        for command in commands where command.path.starts(with: path) {
            let name = command.path.dropFirst(path.count).joined(separator: " ")
            text += line(name, command.summary)
        }
        text += "\nGlobal options:\n"
        for option in globalOptions { text += line(option) }
        text += "\nRun '\(prefix) COMMAND --help' for a command's options.\n"
        return text
    }

    private func line(_ option: OptionSpec) -> String {
        var name = option.synopsis
        if let short = option.short { name = "-\(short), " + name }
        var help = option.help
        if let value = option.defaultValue { help += " (default: \(value))" }
        return line(name, help)
    }

    private func line(_ name: String, _ help: String) -> String {
        let padded =
            name.count < 24 ? name + String(repeating: " ", count: 24 - name.count) : name + "  "
        return "  \(padded)\(help)\n"
    }
}
