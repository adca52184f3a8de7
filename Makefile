# CallPulse: `make run` starts the demo, `make test` builds and runs every test.
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

SWIFT ?= swift
RELEASE_BIN := .build/release/callpulse

.PHONY: all bootstrap build release test run bench clean

all: build

## Installs the system packages the build needs (only those missing).
bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	$(SWIFT) build

release: bootstrap
	$(SWIFT) build -c release

## Builds everything (warnings are errors) and runs every test.
test:
	@scripts/bootstrap.sh test
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## Until the daemon lands: simulates 15 minutes of traffic and replays it into a snapshot.
run: release
	@echo "==> simulating 15 minutes of traffic for 5 queues and replaying it (event clock)"
	$(RELEASE_BIN) simulate --queues 5 --rate 40 --duration 15m --seed 1 --output .build/demo-events.ndjson
	$(RELEASE_BIN) replay .build/demo-events.ndjson
	@echo "==> the snapshot above is what GET /api/v1/queues will serve; try: $(RELEASE_BIN) replay --help"

## Throughput of the core and of replay, beside the targets of spec/quality.md.
bench: release
	scripts/bench.sh

clean:
	rm -rf .build
