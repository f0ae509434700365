package workloads

import (
	"context"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// LagSamples is where per-partition lag samples go; assertions.Ledger is one.
type LagSamples interface {
	SampleLag(at time.Time, partition int32, end, committed int64)
}

// SampleLag polls the group's committed offsets and the topic's end offsets
// every interval until ctx is done. Lag is kept per partition, never only in
// total: one stuck partition must not hide behind healthy ones.
func SampleLag(ctx context.Context, bootstrap []string, topic, group string, every time.Duration, out LagSamples) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap...), kgo.RequestRetries(0))
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		sampleOnce(ctx, adm, topic, group, every, out)
	}
}

func sampleOnce(ctx context.Context, adm *kadm.Client, topic, group string, every time.Duration, out LagSamples) {
	// A sample that cannot be taken in time (a broker is down) is skipped, not waited for.
	sctx, cancel := context.WithTimeout(ctx, 2*every)
	defer cancel()
	ends, err := adm.ListEndOffsets(sctx, topic)
	if err != nil {
		return
	}
	committed, err := adm.FetchOffsets(sctx, group)
	if err != nil {
		return
	}
	at := time.Now()
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			return
		}
		var c int64
		if off, ok := committed.Lookup(topic, o.Partition); ok && off.Err == nil && off.At >= 0 {
			c = off.At
		}
		out.SampleLag(at, o.Partition, o.Offset, c)
	})
}
