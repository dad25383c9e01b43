import CLibFuzzer

#if canImport(Glibc)
import Glibc
#endif

/// Runs libFuzzer with this process's arguments (corpus directories, `-max_total_time=…`) and
/// exits with its status.
public enum FuzzDriver {
    /// `test` gets each input; it returns 0, and reports a broken property by trapping.
    public static func run(_ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
        authmux_fuzz_set_test(test)
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, test))
    }
}
