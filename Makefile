# CallPulse: `make run` starts the demo, `make test` builds and runs every test.
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

SWIFT ?= swift
RELEASE_BIN := .build/release/callpulse

.PHONY: all bootstrap build release package test fuzz sanitize run bench load latency ha streams durability hostile soak floor forecast-accuracy security clean

all: build

## Installs the system packages the build needs (only those missing).
bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	$(SWIFT) build

release: bootstrap
	$(SWIFT) build -c release

## The Debian package (README.md, "Install"): .build-package/callpulse_VERSION_ARCH.deb.
package:
	@scripts/bootstrap.sh package
	scripts/package.sh

## Builds everything (warnings are errors) and runs every test. The package is built before
## the tests start (its test, PackageTests, then only checks that it is up to date).
test:
	@scripts/bootstrap.sh test
	$(SWIFT) build --build-tests
	scripts/package.sh
	$(SWIFT) test --skip-build

FUZZ_SECONDS ?= 60

## libFuzzer with AddressSanitizer on the event decoder, request handling and decoder vs reference, FUZZ_SECONDS each.
fuzz: bootstrap
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

## The whole suite under ThreadSanitizer, then AddressSanitizer (own build directories);
## the daemons the tests start are sanitized too and die on the first report.
sanitize:
	@scripts/bootstrap.sh test
	CALLPULSE_SANITIZER=thread TSAN_OPTIONS=halt_on_error=1 $(SWIFT) test --sanitize=thread --scratch-path .build-tsan
	CALLPULSE_SANITIZER=address ASAN_OPTIONS=detect_leaks=0:halt_on_error=1 $(SWIFT) test --sanitize=address --scratch-path .build-asan

LISTEN ?= 127.0.0.1:9478

## Starts the daemon with its demo traffic; Ctrl-C stops it.
run: release
	@echo "==> CallPulse on http://$(LISTEN) with simulated traffic for 6 queues"
	@echo "    wallboard     http://$(LISTEN)/"
	@echo "    live numbers  http://$(LISTEN)/api/v1/queues"
	@echo "    Prometheus    http://$(LISTEN)/metrics"
	@echo "    send events   curl -H 'Content-Type: application/x-ndjson' --data-binary @events.ndjson http://$(LISTEN)/api/v1/events"
	$(RELEASE_BIN) serve --demo --listen $(LISTEN)

## Every performance target in one table, beside mtail and Prometheus + Alertmanager (under 15 minutes).
bench: release
	@scripts/bootstrap.sh bench
	scripts/bench.py

## HTTP figures: ingest throughput, /metrics render and scrape rate, noisy clients.
load: release
	@scripts/bootstrap.sh bench
	scripts/load.py

## Event → webhook latency with 10,000 events/s of other traffic, beside Prometheus + Alertmanager.
latency: release
	@scripts/bootstrap.sh bench
	scripts/alert_latency.py

## High availability on NATS JetStream: relay publish rate, catch-up and consume rate for 1 M pending messages, event → webhook through relay + stream + consumer (HA_EVENTS, PROBES).
ha: release
	@scripts/bootstrap.sh bench
	scripts/ha_figures.py

## A contact-center floor behind one address: 2,000 keep-alive clients beside 20,000 events/s of ingest (FLOOR_CLIENTS, FLOOR_SECONDS).
floor: release
	/usr/bin/python3 scripts/floor_load.py

## Forecast accuracy: projected service level against what M/M/N traffic with impatient callers then does, per scenario (under a minute).
forecast-accuracy: release
	/usr/bin/python3 scripts/forecast_accuracy.py
	/usr/bin/python3 scripts/forecast_accuracy.py --flag-hold 5

## Live-stream clients: how many the daemon holds and what each costs (STREAMS, default 2,000).
STREAMS ?= 2000
streams: release
	/usr/bin/python3 scripts/stream_clients.py $(STREAMS)

## State directory figures: ingest with and without the journal, restart with 1 M calls, checkpoint pauses.
durability: release
	/usr/bin/python3 scripts/durability_bench.py

## Hostile clients (slowloris, idle floods, huge and deep bodies, cardinality attacks) with figures.
hostile: release
	/usr/bin/python3 scripts/hostile.py

## TLS as a reviewer checks it (docs/spec/security.md, "Checks"): testssl.sh against the daemon with a
## self-signed test certificate; fails on any finding that certificate does not explain.
security: release
	@scripts/bootstrap.sh security
	/usr/bin/python3 scripts/security.py

SOAK_DURATION ?= 1h

## Soak: the simulator at 2,000 events/s for SOAK_DURATION; CSV and PNG plot in docs/soak.*.
soak: release
	@scripts/bootstrap.sh soak
	/usr/bin/python3 scripts/soak.py --duration $(SOAK_DURATION)

clean:
	rm -rf .build .build-package
