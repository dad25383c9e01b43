#include "CLibFuzzer.h"

#include <stdlib.h>

static authmux_fuzz_test registered;

void authmux_fuzz_set_test(authmux_fuzz_test test) {
    registered = test;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    // Only reachable if libFuzzer's main ran instead of the Swift one: fail loudly, not fuzz nothing.
    if (registered == NULL) abort();
    return registered(data, size);
}
