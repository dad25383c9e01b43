import FuzzSupport

// libFuzzer feeds this a door, a verdict, a way to cut the input into reads, and the input.
FuzzDriver.run { start, count in
    DoorProperties.check(FuzzInput.bytes(start, count))
    return 0
}
