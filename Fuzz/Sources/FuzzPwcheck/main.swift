import FuzzSupport

// libFuzzer feeds this the bytes a pwcheck client could send, as they arrive.
FuzzDriver.run { start, count in
    PwcheckProperties.check(FuzzInput.bytes(start, count))
    return 0
}
