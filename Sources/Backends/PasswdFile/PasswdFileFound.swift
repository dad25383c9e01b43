/// What a passwd-file holds for one user: no entry, one, or several (refused: which line the
/// administrator meant cannot be known).
enum PasswdFileFound: Sendable {
    case none
    case entry(PasswdFileEntry)
    case duplicated(lines: [Int])
}
