# authmux: `make run` starts the daemon on a hashed passwd-file under ./var; `make test` runs
# every test (then a short run of each fuzz target); `make fuzz` fuzzes for longer (Fuzz/);
# `make bench` compares authmux with Cyrus saslauthd (sasldb, PAM, passwd-file/shadow, LDAP) and Dovecot's
# auth service, and with the authmuxd of a git revision too when given BASELINE=REV; `make soak` holds both under hostile load for a
# minute. Each installs what it needs.
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)
VAR := $(CURDIR)/var
HOST := $(shell hostname -f 2>/dev/null || hostname)
SWIFT_BUILD_FLAGS ?=
# How long `make fuzz` runs each libFuzzer target, and `make test` its smoke run of each.
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 10

.PHONY: all build run test fuzz bench bench-pam bench-ldap bench-passwd-file bench-dovecot bench-sql soak deps-run deps-test deps-bench clean

all: build

build:
	swift build $(SWIFT_BUILD_FLAGS)

deps-run:
	@scripts/install-deps.sh run

deps-test:
	@scripts/install-deps.sh test

deps-bench:
	@scripts/install-deps.sh bench

run: deps-run build
	@mkdir -p $(VAR)/run
	@if [ $$(printf %s "$(VAR)/run/mux" | wc -c) -gt 107 ]; then echo "$(VAR)/run/mux is too long for a Unix socket path; run from a shorter directory" >&2; exit 2; fi
	@sed -e 's|@VAR@|$(VAR)|g' -e 's|@HOST@|$(HOST)|g' examples/make-run.yaml.in > $(VAR)/authmux.yaml
	@[ -e $(VAR)/passwd ] || install -m 0600 /dev/null $(VAR)/passwd
	@bin=$$(swift build --show-bin-path); \
	echo "authmuxd: config $(VAR)/authmux.yaml, socket $(VAR)/run/mux, users in $(VAR)/passwd"; \
	echo "  add a user (in another terminal):  $$bin/authmuxd user add --file $(VAR)/passwd alice@example.com"; \
	echo "  check it:                          $$bin/authtest -f $(VAR)/run/mux alice@example.com"; \
	echo "  what the realm rules make of it:   $$bin/authmuxd explain --config $(VAR)/authmux.yaml alice@$(HOST)"; \
	echo "  stop with Ctrl-C"; \
	exec $$bin/authmuxd --config $(VAR)/authmux.yaml --foreground

test: deps-test
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	AUTHMUX_BIN_DIR=$$(swift build --show-bin-path) swift test --skip-build --disable-xctest
	FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) Fuzz/run.sh

# The fuzz targets link Backends, so they need the same libraries as the tests.
fuzz: deps-test
	FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/run.sh

# Every script runs even if an earlier one reports a problem; the target fails if any did.
bench: deps-bench
	@rc=0; bench/run.sh || rc=$$?; bench/pam.sh || rc=$$?; bench/passwd-file.sh || rc=$$?; bench/ldap.sh || rc=$$?; bench/dovecot.sh || rc=$$?; bench/sql.sh || rc=$$?; exit $$rc

bench-pam: deps-bench
	bench/pam.sh

bench-ldap: deps-bench
	bench/ldap.sh

bench-dovecot: deps-bench
	bench/dovecot.sh

bench-passwd-file: deps-bench
	bench/passwd-file.sh

bench-sql: deps-bench
	bench/sql.sh

# Not part of test or bench: SOAK_SECONDS (60) of idle connections, a password spray and one real
# user against authmuxd, then saslauthd; writes the soak section of BENCHMARKS.md.
soak: deps-bench
	bench/soak.sh

clean:
	rm -rf .build .build-fuzz var
