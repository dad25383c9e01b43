import FuzzSupport

// libFuzzer feeds this a verdict, a way to cut the input into reads, and what a Dovecot auth
// client sends.
FuzzDriver.run { start, count in
    DovecotProperties.check(FuzzInput.bytes(start, count))
    return 0
}
