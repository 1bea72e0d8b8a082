// Package monitor runs the poll cycle: for each feed due, it fetches and
// parses it (package feed), keeps the items not seen before, fingerprints
// them (package story), matches them against the watchlist (package match)
// and hands each feed's result to its Store in one call. It also holds the
// error backoff and the Scheduler that runs polls and digests on cron
// schedules. It imports no storage and no HTTP: see docs/architecture.md.
package monitor
