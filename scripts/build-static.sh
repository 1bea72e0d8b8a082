#!/bin/sh
# Builds the static storywatch binary exactly as the container image does.
# OUT (default ./storywatch), VERSION and COMMIT may be set in the environment.
set -eu
out=${OUT:-./storywatch}
version=${VERSION:-dev}
commit=${COMMIT:-unknown}
CGO_ENABLED=0 go build -trimpath \
  -ldflags "-s -w -X main.version=${version} -X main.commit=${commit}" \
  -o "$out" ./cmd/storywatch
