package daemon

import "context"

// leading reports whether this daemon runs the work that must run once
// among the processes sharing the database (pruning, the WebSub renewal
// job). Outside Run (once, the one-shot commands) it always does: that
// work is safe to do twice, leading only saves it.
func (d *Daemon) leading(ctx context.Context) bool {
	l := d.leader.Load()
	return l == nil || l.Leading(ctx)
}
