import AuthWire
import CCrypt
#if canImport(Glibc)
import Glibc
#endif

/// The host's crypt(3) through libxcrypt's reentrant calls. Blocking and CPU-heavy (yescrypt
/// and bcrypt are meant to be): call only from a backend's thread pool or a command-line tool.
enum Libxcrypt {
    /// crypt(3) of `password` with `setting` (a stored hash or a fresh salt string); nil when
    /// libxcrypt refuses the setting or the password holds a NUL byte (which a C string cannot
    /// carry; no front door lets one through).
    ///
    /// The work area (about 32 KiB, holding the password's derived state) and the C copy of the
    /// password are wiped before they are freed; the caller owns the returned hash text.
    static func crypt(_ password: Secret, setting: [UInt8]) -> [UInt8]? {
        password.withUnsafeBytes { bytes -> [UInt8]? in
            guard !bytes.contains(0), !setting.contains(0) else { return nil }
            let phrase = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count + 1, alignment: 1)
            let dataSize = MemoryLayout<crypt_data>.size
            let data = UnsafeMutableRawPointer.allocate(byteCount: dataSize, alignment: MemoryLayout<crypt_data>.alignment)
            defer {
                Secret.wipe(phrase)
                phrase.deallocate()
                Secret.wipe(UnsafeMutableRawBufferPointer(start: data, count: dataSize))
                data.deallocate()
            }
            if bytes.count > 0 { phrase.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
            phrase[bytes.count] = 0
            // crypt_rn wants a zeroed area on first use ("initialized" must be 0).
            memset(data, 0, dataSize)
            let settingC = setting + [0]
            let result = settingC.withUnsafeBufferPointer { settingPointer in
                settingPointer.withMemoryRebound(to: CChar.self) { settingChars in
                    crypt_rn(phrase.baseAddress!.assumingMemoryBound(to: CChar.self), settingChars.baseAddress!, data, Int32(dataSize))
                }
            }
            guard let result else { return nil }
            let length = strlen(result)
            let output = UnsafeRawBufferPointer(start: result, count: length)
            // libxcrypt's failure token: "*0" or "*1", never a valid hash.
            guard length > 0, output[0] != UInt8(ascii: "*") else { return nil }
            return Array(output)
        }
    }

    /// A fresh setting for `prefix` (`$y$`, `$6$`, `$2b$`…) with random bytes from the kernel;
    /// `cost` 0 takes libxcrypt's default for the method.
    static func gensalt(prefix: String, cost: UInt = 0) -> [UInt8]? {
        var output = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        let made = output.withUnsafeMutableBufferPointer { buffer in
            crypt_gensalt_rn(prefix, cost, nil, 0, buffer.baseAddress!, Int32(buffer.count))
        }
        guard made != nil else { return nil }
        let bytes = output.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        guard let first = bytes.first, first != UInt8(ascii: "*") else { return nil }
        return bytes
    }
}
