// Package config reads storywatch's YAML configuration file (docs/config.md).
//
// Load parses one file into a Config with every default applied, every
// ${NAME} reference expanded from the environment, every relative path made
// absolute against the file's folder, and every cron spec, time zone, query,
// URL and address parsed. It walks the YAML node tree rather than decoding
// into structs, so that it can reject unknown keys and report every problem
// in the file at once, each with the line and column it was found at.
//
// The package knows YAML only: turning a Config into the options of the other
// packages is the job of cmd/storywatch.
package config
