// Package daemon is the running storywatch process, apart from its command
// line: what `storywatch run` does, and what `once` shares with it.
//
// A Daemon is built from a config (New) and runs until its context ends
// (Run): it polls each group of feeds on its schedule, records instant
// digests after every cycle and scheduled digests on theirs, sends the
// delivery outbox, prunes old item text, serves the HTTP endpoints, and
// reloads its config when the file changes or on a signal. Everything a
// config implies (the compiled watchlist, the poll jobs, the digests, the
// senders) is one generation, swapped in whole by Reload; new or changed
// watches are then backtested over the last 48 h of stored items. Once runs
// one cycle over every feed and then the same after-cycle path: prune,
// instant digests, the outbox.
//
// Stopping has one mechanism, the drain: every piece of work (a poll
// cycle, a digest, an outbox run, a reload's backtest) runs through it. When
// the shutdown begins nothing new starts (the poll cycle and the outbox get
// the drain's stop channel, so they start no further feed or delivery); the
// work in flight keeps its context for most of the grace period, is then
// cancelled, and Run returns within the grace period in all.
//
// The translation of the config into each package's types (Watchlist,
// Sender and the unexported ones) lives here too, since a reload needs it;
// the one-shot commands use the same functions.
package daemon
