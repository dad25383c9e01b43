/// Stops the fuzzer on a broken invariant. A trap with a message is what libFuzzer reports as
/// a crash and saves the input for, so a violated property is handled exactly like a crash.
public enum Invariant {
    public static func require(
        _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
        file: StaticString = #fileID, line: UInt = #line
    ) {
        if !condition() { fatalError("invariant broken: \(message())", file: file, line: line) }
    }
}
