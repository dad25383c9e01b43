#ifndef AUTHMUX_CLIBFUZZER_H
#define AUTHMUX_CLIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

typedef int (*authmux_fuzz_test)(const uint8_t *data, size_t size);

// libFuzzer's documented entry for programs that keep their own main ("Using libFuzzer as a
// library"), provided by the toolchain's libclang_rt.fuzzer once linked with -sanitize=fuzzer.
// SwiftPM renames every executable's main to <module>_main and links it back as main, which
// leaves no room for libFuzzer's own main; so each target's main.swift calls this instead.
int LLVMFuzzerRunDriver(int *argc, char ***argv, authmux_fuzz_test test);

// Sets what LLVMFuzzerTestOneInput (defined in CLibFuzzer.c) calls. libFuzzer's own main is
// still linked in and needs that symbol, even though the renamed Swift main is the one that runs.
void authmux_fuzz_set_test(authmux_fuzz_test test);

#endif
