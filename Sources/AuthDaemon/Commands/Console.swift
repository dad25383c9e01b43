/// Messages for the person at the terminal (not log lines), written straight to the file
/// descriptors so they are never reordered with or buffered behind log output.
enum Console {
    static func error(_ text: String) {
        DescriptorWriter.writeAll(Array((text + "\n").utf8), to: 2)
    }

    static func out(_ text: String) {
        DescriptorWriter.writeAll(Array((text + "\n").utf8), to: 1)
    }
}
