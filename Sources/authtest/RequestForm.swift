import ArgumentParser

/// `--fields 4|5`: the released four-field request or the development branch's five-field one.
enum RequestForm: Int, ExpressibleByArgument, Sendable {
    case four = 4
    case five = 5
}
