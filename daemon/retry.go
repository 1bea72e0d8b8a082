package daemon

import (
	"context"
	"fmt"
	"time"

	"github.com/storywatch/storywatch/notify"
)

// RetryStore is what Retry needs of the store besides the daemon's Store.
type RetryStore interface {
	// RetryDelivery makes a dead delivery pending again, due at now.
	RetryDelivery(ctx context.Context, id int64, now time.Time) error
	// Delivery returns one delivery of the outbox.
	Delivery(ctx context.Context, id int64) (notify.Delivery, error)
}

// Retry makes the dead delivery id of st pending again, sends every
// delivery that is due (SendDue) and returns the delivery as it is then.
// A delivery st does not have is st's error (store.ErrNotFound).
func (d *Daemon) Retry(ctx context.Context, st RetryStore, id int64) (notify.Delivery, error) {
	if err := st.RetryDelivery(ctx, id, d.now()); err != nil {
		return notify.Delivery{}, err
	}
	if err := d.SendDue(ctx); err != nil {
		return notify.Delivery{}, err
	}
	dl, err := st.Delivery(ctx, id)
	if err != nil {
		return notify.Delivery{}, fmt.Errorf("delivery %d: %w", id, err)
	}
	return dl, nil
}
