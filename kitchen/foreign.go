package kitchen

import (
	"context"
	"fmt"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaosrun/chaosrun/clientconf"
	"github.com/chaosrun/chaosrun/kafkaconn"
	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/orders"
)

// ForeignSpec is a consumer deployment of another environment: seed 001's
// pre kitchen display configured with a topic and group of its own choosing
// (prod's, by mistake), running a version that cannot process the other
// environment's records.
type ForeignSpec struct {
	Env   string // its environment
	Topic string
	Group string
	// Guard refuses records whose environment header is not Env: it pauses
	// their partitions without committing them, and they wait for an owner
	// of the right environment. Without it, records it cannot process are
	// skipped and committed past, as a failing deployment's are.
	Guard  bool
	Config clientconf.ConsumerConfig // the client settings it joins the group with
}

// Foreigners is where a foreign consumer reports; ledger.Ledger is one.
type Foreigners interface {
	TakenBy(env string, e *ledger.Event)
	RefusedBy(env string, e *ledger.Event)
}

// Foreign is a running foreign consumer.
type Foreign struct {
	cl     *kgo.Client
	cancel context.CancelFunc
	done   chan struct{}
	errs   *clientconf.ErrorTally
}

// StartForeign joins spec.Group on spec.Topic as one member.
func StartForeign(conn kafkaconn.Conn, spec ForeignSpec, out Foreigners) (*Foreign, error) {
	opts := append([]kgo.Opt{kgo.ConsumerGroup(spec.Group), kgo.ConsumeTopics(spec.Topic)},
		spec.Config.Opts...)
	if spec.Config.BlockRebalance() {
		opts = append(opts, kgo.BlockRebalanceOnPoll())
	}
	cl, err := conn.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("consumer of env %s: %w", spec.Env, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &Foreign{cl: cl, cancel: cancel, done: make(chan struct{}), errs: clientconf.NewErrorTally()}
	go f.run(ctx, spec, out)
	return f, nil
}

func (f *Foreign) run(ctx context.Context, spec ForeignSpec, out Foreigners) {
	defer close(f.done)
	id := orders.Identity{Env: spec.Env}
	var e ledger.Event
	var once sync.Once
	for ctx.Err() == nil {
		fetches := f.cl.PollRecords(ctx, spec.Config.MaxPollRecords)
		if fetches.IsClientClosed() {
			return
		}
		var done []*kgo.Record
		refused := map[string][]int32{}
		held := map[int32]bool{} // refused partitions: nothing after their refusal is committed
		fetches.EachRecord(func(r *kgo.Record) {
			if held[r.Partition] {
				return
			}
			if err := id.Decode(r, &e); err != nil {
				done = append(done, r) // not a record it can read at all: skipped
				return
			}
			if spec.Guard && e.Env != spec.Env {
				out.RefusedBy(spec.Env, &e)
				refused[r.Topic] = append(refused[r.Topic], r.Partition)
				held[r.Partition] = true
				return
			}
			if e.Env != spec.Env {
				// Its version cannot process the other environment's payload:
				// the record fails and is skipped.
				out.TakenBy(spec.Env, &e)
			}
			done = append(done, r)
		})
		if len(refused) > 0 {
			// Not committed, not read further: the partition waits.
			f.cl.PauseFetchPartitions(refused)
			once.Do(func() { f.errs.Add(fmt.Errorf("env %s: refused records of another environment", spec.Env)) })
		}
		if len(done) > 0 {
			cctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
			if err := f.cl.CommitRecords(cctx, done...); err != nil {
				f.errs.Add(err)
			}
			cancel()
		}
		f.cl.AllowRebalance()
	}
}

// Stop takes the deployment away: it leaves the group without committing
// anything more; paused partitions go back to the group at their committed
// offsets.
func (f *Foreign) Stop() map[string]int64 {
	f.cancel()
	<-f.done
	f.cl.CloseAllowingRebalance()
	return f.errs.Snapshot()
}
