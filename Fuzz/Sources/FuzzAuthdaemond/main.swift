import FuzzSupport

// libFuzzer feeds this the bytes an authdaemond client could send, as they arrive.
FuzzDriver.run { start, count in
    AuthdaemondProperties.check(FuzzInput.bytes(start, count))
    return 0
}
