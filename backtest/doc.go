// Package backtest runs a compiled watchlist over items already stored and
// compares what it finds with the hits stored for them: the hits it would
// add and the hits it would drop, per watch. It changes nothing unless
// asked to: Result.Apply stores the additions, Result.Retract retracts the
// drops.
//
// One engine serves the `backtest` command, the backtest of new and
// changed watches after a reload, and the /try page, so that a query tried
// on the page finds exactly what it would find once it is in the config.
// The package declares the storage it reads (Store) and writes (Writer,
// Retracter); the store implements them.
package backtest
