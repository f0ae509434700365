// Package tick runs periodic work until its context ends: the loop the lag
// sampler and the retry table's retrier share.
package tick

import (
	"context"
	"time"
)

// Every calls fn once per period, the first time one period from now, and
// returns when ctx is done (never during a call of fn).
func Every(ctx context.Context, period time.Duration, fn func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fn()
	}
}
