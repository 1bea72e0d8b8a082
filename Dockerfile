# syntax=docker/dockerfile:1
# Build stage: a static, reproducible binary. scripts/build-static.sh is the
# exact command; a test runs it too, so the image and the tests agree.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
RUN VERSION=${VERSION} COMMIT=${COMMIT} OUT=/out/storywatch sh scripts/build-static.sh \
 && mkdir -p /out/data

# Runtime: distroless static (CA certificates, /etc/passwd with nonroot, no shell).
# Time zones are embedded in the binary (time/tzdata), so none are needed on disk.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/storywatch /usr/local/bin/storywatch
COPY --from=build --chown=65532:65532 /out/data /data
COPY config.example.yaml /etc/storywatch/config.yaml
# The example config reads these: the database (and file digests) go to the
# /data volume, and HTTP listens on every interface so the port can be
# published. Mount your config's folder at /etc/storywatch (compose.yaml mounts
# deploy/, which holds a copy of the example).
ENV STORYWATCH_CONFIG=/etc/storywatch/config.yaml \
    STORYWATCH_DATA=/data \
    STORYWATCH_LISTEN=0.0.0.0:8080
USER 65532:65532
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/storywatch", "health"]
ENTRYPOINT ["/usr/local/bin/storywatch"]
CMD ["run"]
