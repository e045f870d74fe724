# The commands that work on a fresh Debian machine (as root, with only the Swift toolchain):
#   make demo   install the C libraries if missing, build, run the whole loop on the Simulator
#   make test   install the C libraries if missing, run the test suite
#   make bench  release build, then the measured figures (outreach bench --sizes 10000,100000)
SHELL := /bin/bash
APT_PACKAGES := libcurl4-openssl-dev libsqlite3-dev libmicrohttpd-dev libssl-dev pkg-config
SWIFT ?= swift

.PHONY: demo test build deps bench clean

deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO="sudo"; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build --product outreach

demo: build
	$$($(SWIFT) build --show-bin-path)/outreach demo

test: deps
	$(SWIFT) test

# Release build, then fan-out / dispatch / memory figures beside their raw ceilings (a few minutes).
bench: deps
	$(SWIFT) build -c release --product outreach
	$$($(SWIFT) build -c release --show-bin-path)/outreach bench --sizes 10000,100000

clean:
	rm -rf .build
