import FuzzSupport

// libFuzzer feeds this the text of a configuration file. Real ones are a few hundred bytes;
// past 4 KiB the YAML parser's own cost, not the loader, decides the speed. ConfigLoader.load
// reads files as UTF-8, so only UTF-8 is passed on.
FuzzDriver.run { start, count in
    guard count <= ConfigProperties.maxInput, let text = String(validating: FuzzInput.bytes(start, count), as: UTF8.self) else { return 0 }
    ConfigProperties.check(text)
    return 0
}
