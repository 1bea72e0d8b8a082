package daemon

import (
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/notify"
)

// Report is what Once did: the poll cycle, the digests it recorded and
// the outcome of every delivery it attempted (its own digests' and any
// left in the outbox by earlier runs).
type Report struct {
	monitor.Cycle
	Digests    []*notify.Digest
	Deliveries []DeliveryResult
}

// DeliveryResult is the outcome of one delivery attempt: sent, pending (to
// be retried; Err says why) or dead.
type DeliveryResult struct {
	notify.Delivery
	Status notify.Status
	Err    error
}
