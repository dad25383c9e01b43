/// One saslauthd as it is started on this host: the command line its init script, unit or
/// administrator gives it, and where that came from.
struct SaslauthdInstance: Equatable {
    /// The instance's name (Debian's `NAME`, the file's name otherwise), for comments.
    var name: String
    /// Where the settings were read: a file, or "the command line".
    var source: String
    var options: SaslauthdOptions
    /// False when the file says the instance does not start (Debian's `START` other than `yes`).
    var starts = true
    /// Remarks about how the command line was assembled, written as comments.
    var remarks: [String] = []

    /// saslauthd's socket inside `-m`'s directory; without `-m`, Debian's compiled-in
    /// directory (libsasl2 looks in the same place), which is /run on every current system.
    var socketPath: String {
        let directory = options.socketDirectory ?? Self.compiledSocketDirectory
        return (directory.hasSuffix("/") ? String(directory.dropLast()) : directory) + "/mux"
    }

    static let compiledSocketDirectory = "/var/run/saslauthd"

    /// A command line given as arguments.
    init(arguments: [String]) {
        name = "saslauthd"
        source = "the command line"
        options = SaslauthdOptions(arguments: arguments)
    }

    /// A Debian `/etc/default/saslauthd*` file, assembled into a command line as Debian 12's
    /// `/etc/init.d/saslauthd` does: `-a $MECHANISMS -O $MECH_OPTIONS $OPTIONS -n $THREADS`, with
    /// `OPTIONS` defaulting to `-c -m /var/run/saslauthd`. (Later Debian releases' systemd unit
    /// passes `$MECH_OPTIONS` without the `-O`; a value that already starts with `-` is taken
    /// as it is, which reads files written for either.)
    init(debianDefaults text: String, file: String) {
        let variables = ShellAssignments(text: text)
        source = file
        let fileName = file.split(separator: "/").last.map(String.init) ?? file
        name = variables["NAME"].flatMap { $0.isEmpty ? nil : $0 } ?? fileName
        var arguments: [String] = []
        if let mechanisms = variables["MECHANISMS"], !mechanisms.isEmpty {
            arguments += ["-a"] + Self.words(mechanisms)
        }
        if let mechOptions = variables["MECH_OPTIONS"], !mechOptions.isEmpty {
            arguments += mechOptions.hasPrefix("-") ? Self.words(mechOptions) : ["-O"] + Self.words(mechOptions)
        }
        var options = variables["OPTIONS"] ?? ""
        if options.isEmpty {
            options = "-c -m /var/run/saslauthd"
            remarks.append("OPTIONS is empty in \(file): the init script then uses \"-c -m /var/run/saslauthd\", and so does this translation")
        }
        arguments += Self.words(options)
        if let threads = variables["THREADS"], !threads.isEmpty { arguments += ["-n", threads] }
        self.options = SaslauthdOptions(arguments: arguments)
        if variables["START"] != "yes" {
            starts = false
            let said = variables["START"].map { "START=\($0)" } ?? "no START=yes line"
            remarks.append("\(file) has \(said): Debian's init script does not start this instance today; it is translated anyway")
        }
        if !variables.ignored.isEmpty {
            remarks.append("lines \(variables.ignored.map(String.init).joined(separator: ", ")) of \(file) are not plain assignments and were not followed")
        }
    }

    /// A RedHat-family `/etc/sysconfig/saslauthd`, assembled as its unit does:
    /// `saslauthd -m $SOCKETDIR -a $MECH $FLAGS`.
    init(sysconfig text: String, file: String) {
        let variables = ShellAssignments(text: text)
        source = file
        name = "saslauthd"
        var arguments: [String] = []
        if let directory = variables["SOCKETDIR"], !directory.isEmpty { arguments += ["-m", directory] }
        if let mechanism = variables["MECH"], !mechanism.isEmpty { arguments += ["-a"] + Self.words(mechanism) }
        arguments += Self.words(variables["FLAGS"] ?? "")
        options = SaslauthdOptions(arguments: arguments)
        if !variables.ignored.isEmpty {
            remarks.append("lines \(variables.ignored.map(String.init).joined(separator: ", ")) of \(file) are not plain assignments and were not followed")
        }
    }

    /// The shell's field splitting of an unquoted expansion.
    static func words(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
    }
}
