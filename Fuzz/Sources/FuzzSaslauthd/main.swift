import FuzzSupport

// libFuzzer feeds this the bytes a saslauthd client could send, as they arrive.
FuzzDriver.run { start, count in
    SaslauthdProperties.check(FuzzInput.bytes(start, count))
    return 0
}
