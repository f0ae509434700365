package drain

import (
	"context"
	"time"

	"github.com/chaosrun/chaosrun/internal/tick"
	"github.com/chaosrun/chaosrun/kafkaconn"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// LagSamples is where per-partition lag samples go; ledger.Ledger is one.
type LagSamples interface {
	SampleLag(at time.Time, partition int32, end, committed int64)
	SampleLogStart(at time.Time, partition int32, start int64)
}

// LagSampler samples the group's committed offsets against the topic's end
// offsets. Lag is kept per partition, never only in total: one stuck
// partition must not hide behind healthy ones.
type LagSampler struct {
	cl    *kgo.Client
	adm   *kadm.Client
	topic string
	group string
	out   LagSamples
}

// NewLagSampler connects a sampler with its own client.
func NewLagSampler(conn kafkaconn.Conn, topic, group string, out LagSamples) (*LagSampler, error) {
	cl, err := conn.NewClient(kgo.RequestRetries(0))
	if err != nil {
		return nil, err
	}
	return &LagSampler{cl: cl, adm: kadm.NewClient(cl), topic: topic, group: group, out: out}, nil
}

// Run samples every interval until ctx is done.
func (s *LagSampler) Run(ctx context.Context, every time.Duration) {
	tick.Every(ctx, every, func() {
		sctx, cancel := context.WithTimeout(ctx, 2*every)
		s.Sample(sctx)
		cancel()
	})
}

// Sample takes one sample and reports the offsets the group is behind in
// total. Partitions whose end offset cannot be read now (their leader is
// down) are skipped, not the whole sample: the healthy ones are exactly what
// a fault should be compared against. ok is false when no partition could
// be sampled or some were skipped, so a caller never takes a partial sample
// for a caught-up group.
func (s *LagSampler) Sample(ctx context.Context) (behind int64, ok bool) {
	ends, err := s.adm.ListEndOffsets(ctx, s.topic)
	if err != nil {
		return 0, false
	}
	committed, err := s.adm.FetchOffsets(ctx, s.group)
	if err != nil {
		return 0, false
	}
	at := time.Now()
	var sampled, skipped int
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			skipped++
			return
		}
		var c int64
		if off, ok := committed.Lookup(s.topic, o.Partition); ok && off.Err == nil && off.At >= 0 {
			c = off.At
		}
		behind += max(o.Offset-c, 0)
		s.out.SampleLag(at, o.Partition, o.Offset, c)
		sampled++
	})
	// After the lag, so the start is compared with this sample's commit.
	if starts, err := s.adm.ListStartOffsets(ctx, s.topic); err == nil {
		starts.Each(func(o kadm.ListedOffset) {
			if o.Err == nil {
				s.out.SampleLogStart(at, o.Partition, o.Offset)
			}
		})
	}
	return behind, sampled > 0 && skipped == 0
}

// Close closes the sampler's client.
func (s *LagSampler) Close() { s.cl.Close() }
