package drain

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaosrun/chaosrun/kafkaconn"
	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/orders"
)

// Drained is where the final drain reports; ledger.Ledger is one.
type Drained interface {
	Drained(e *ledger.Event)
	DrainedForeign(partition int32, offset int64, why string)
	DrainEnd(partition int32, logStart, logEnd int64)
}

// Drain reads every partition of topic from its start to the end offsets it
// has now, with a fresh client outside any group, and reports every record:
// what the log really holds after the run, as a read_committed reader sees
// it (records of aborted transactions are not there; an open transaction
// is waited for).
func Drain(ctx context.Context, conn kafkaconn.Conn, topic string, id orders.Identity, out Drained) error {
	starts, ends, err := bounds(ctx, conn, topic)
	if err != nil {
		return err
	}
	want := map[int32]kgo.Offset{}
	remaining := map[int32]int64{}
	for p, end := range ends {
		out.DrainEnd(p, starts[p], end)
		if end > starts[p] {
			want[p] = kgo.NewOffset().At(starts[p])
			remaining[p] = end
		}
	}
	if len(want) == 0 {
		return nil
	}
	cl, err := conn.NewClient(
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: want}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.KeepControlRecords()) // a log may end in a transaction marker
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	moved := func(ctx context.Context) map[int32]int64 { return movedStarts(ctx, adm, topic, starts) }
	err = drainLoop(ctx, cl, id, remaining, out, moved)
	if err == nil {
		// What retention deleted while the drain read is retention's: the
		// ledger judges those records against the log start the drain ended
		// with.
		for p, start := range moved(ctx) {
			out.DrainEnd(p, start, ends[p])
		}
	}
	if err != nil && ctx.Err() != nil {
		if open := openTransactions(cl, topic, remaining); open != "" {
			err = fmt.Errorf("%w; %s", err, open)
		}
	}
	return err
}

// openTransactions names what holds a read_committed reader back on the
// partitions a drain could not finish: their last stable offset against
// their end, the transactions open on them, and every transaction of the
// cluster not complete.
func openTransactions(cl *kgo.Client, topic string, remaining map[int32]int64) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	adm := kadm.NewClient(cl)
	var facts []string
	if stable, err := adm.ListCommittedOffsets(ctx, topic); err == nil {
		stable.Each(func(o kadm.ListedOffset) {
			if end, ok := remaining[o.Partition]; ok && o.Err == nil {
				facts = append(facts, fmt.Sprintf("partition %d: last stable offset %d, end %d", o.Partition, o.Offset, end))
			}
		})
	}
	var set kadm.TopicsSet
	for p := range remaining {
		set.Add(topic, p)
	}
	if described, err := adm.DescribeProducers(ctx, set); err == nil {
		described.EachProducer(func(p kadm.DescribedProducer) {
			if p.CurrentTxnStartOffset >= 0 {
				facts = append(facts, fmt.Sprintf("partition %d: transaction of producer id %d (epoch %d) open since offset %d",
					p.Partition, p.ProducerID, p.ProducerEpoch, p.CurrentTxnStartOffset))
			}
		})
	}
	if listed, err := adm.ListTransactions(ctx, nil, nil); err == nil {
		listed.Each(func(t kadm.ListedTransaction) {
			if t.State != "CompleteCommit" && t.State != "CompleteAbort" && t.State != "Empty" {
				facts = append(facts, fmt.Sprintf("transactional id %s (producer id %d) is %s at coordinator %d",
					t.TxnID, t.ProducerID, t.State, t.Coordinator))
			}
		})
	}
	sort.Strings(facts)
	if len(facts) == 0 {
		return ""
	}
	return "read_committed state: " + strings.Join(facts, "; ")
}

// drainRecheck is how long a drain waits for records before it asks
// whether retention deleted what it was still to read.
const drainRecheck = 2 * time.Second

// movedStarts lists the partitions whose log start has passed the one a
// drain began with, at their new start; nil when it cannot tell.
func movedStarts(ctx context.Context, adm *kadm.Client, topic string, began map[int32]int64) map[int32]int64 {
	listed, err := adm.ListStartOffsets(ctx, topic)
	if err != nil {
		return nil
	}
	moved := map[int32]int64{}
	listed.Each(func(o kadm.ListedOffset) {
		if o.Err == nil && o.Offset > began[o.Partition] {
			moved[o.Partition] = o.Offset
		}
	})
	return moved
}

// drainLoop reads until every remaining partition is read to its end.
// Retention may delete records while they are read (a topic kept for
// seconds in a scenario): the client resumes at the new log start, and once
// the log start reaches a partition's end nothing is left to read there.
func drainLoop(ctx context.Context, cl *kgo.Client, id orders.Identity, remaining map[int32]int64, out Drained,
	moved func(context.Context) map[int32]int64) error {
	var e ledger.Event
	lastErr := map[int32]error{} // the client retries; these explain a timeout
	for len(remaining) > 0 {
		pctx, cancel := context.WithTimeout(ctx, drainRecheck)
		fetches := cl.PollFetches(pctx)
		cancel()
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("drain: %d partitions not read to their end (%s): %w", len(remaining), stuck(remaining, lastErr), err)
		}
		if fetches.NumRecords() == 0 && pctx.Err() != nil {
			for p, start := range moved(ctx) {
				if end, ok := remaining[p]; ok && start >= end {
					delete(remaining, p) // retention deleted the rest
				}
			}
			continue
		}
		fetches.EachError(func(_ string, p int32, err error) { lastErr[p] = err })
		fetches.EachRecord(func(r *kgo.Record) {
			end, ok := remaining[r.Partition]
			if !ok {
				return
			}
			if r.Offset >= end {
				// Past the end taken at the start: what was before it is
				// read (a read_committed reader skips an aborted tail, and
				// its marker may lie beyond the end).
				delete(remaining, r.Partition)
				return
			}
			if !r.Attrs.IsControl() { // a transaction marker only moves the position
				if err := id.Decode(r, &e); err != nil {
					out.DrainedForeign(r.Partition, r.Offset, err.Error())
				} else {
					out.Drained(&e)
				}
			}
			if r.Offset+1 >= end {
				delete(remaining, r.Partition)
			}
		})
	}
	return nil
}

// stuck describes the partitions still being read, with their last error.
func stuck(remaining map[int32]int64, lastErr map[int32]error) string {
	parts := make([]string, 0, len(remaining))
	for p, end := range remaining {
		msg := fmt.Sprintf("partition %d to offset %d", p, end)
		if err := lastErr[p]; err != nil {
			msg += ": " + err.Error()
		}
		parts = append(parts, msg)
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// bounds lists each partition's log start and end offsets, retrying while
// the cluster settles after faults are healed.
func bounds(ctx context.Context, conn kafkaconn.Conn, topic string) (starts, ends map[int32]int64, err error) {
	cl, err := conn.NewClient()
	if err != nil {
		return nil, nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	for {
		starts, ends, err = listBounds(ctx, adm, topic)
		if err == nil || ctx.Err() != nil {
			return starts, ends, err
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func listBounds(ctx context.Context, adm *kadm.Client, topic string) (map[int32]int64, map[int32]int64, error) {
	s, err := adm.ListStartOffsets(ctx, topic)
	if err == nil {
		err = s.Error()
	}
	if err != nil {
		return nil, nil, fmt.Errorf("list start offsets of %s: %w", topic, err)
	}
	e, err := adm.ListEndOffsets(ctx, topic)
	if err == nil {
		err = e.Error()
	}
	if err != nil {
		return nil, nil, fmt.Errorf("list end offsets of %s: %w", topic, err)
	}
	starts, ends := map[int32]int64{}, map[int32]int64{}
	s.Each(func(o kadm.ListedOffset) { starts[o.Partition] = o.Offset })
	e.Each(func(o kadm.ListedOffset) { ends[o.Partition] = o.Offset })
	return starts, ends, nil
}

// DeadLetters is where the drain of the dead-letter topic reports.
type DeadLetters interface {
	DrainedDeadLetter(e *ledger.Event)
}

// DrainDeadLetters reads the dead-letter topic to its end, as Drain does,
// so every record the kitchen display claims it dead-lettered is found
// there (or missed).
func DrainDeadLetters(ctx context.Context, conn kafkaconn.Conn, topic string, id orders.Identity, out DeadLetters) error {
	return Drain(ctx, conn, topic, id, deadLetterDrain{out})
}

type deadLetterDrain struct{ out DeadLetters }

func (d deadLetterDrain) Drained(e *ledger.Event) { d.out.DrainedDeadLetter(e) }

// DrainedForeign: a record without identity is a stray of the topic.
func (d deadLetterDrain) DrainedForeign(partition int32, offset int64, why string) {
	d.out.DrainedDeadLetter(&ledger.Event{Run: "(" + why + ")", Partition: partition, Offset: offset})
}

func (deadLetterDrain) DrainEnd(int32, int64, int64) {}

// Outputs is where the drain of a pipeline's output topic reports.
type Outputs interface {
	DrainedOutput(e *ledger.Event)
	DrainedOutputForeign(partition int32, offset int64, why string)
	OutputRead()
}

// DrainOutput reads the pipeline's output topic to its end, read_committed,
// reporting each result with the identity of the input record it came from.
func DrainOutput(ctx context.Context, conn kafkaconn.Conn, topic string, id orders.Identity, out Outputs) error {
	out.OutputRead()
	return Drain(ctx, conn, topic, id, outputDrain{out})
}

type outputDrain struct{ out Outputs }

func (d outputDrain) Drained(e *ledger.Event) { d.out.DrainedOutput(e) }

func (d outputDrain) DrainedForeign(partition int32, offset int64, why string) {
	d.out.DrainedOutputForeign(partition, offset, why)
}

func (outputDrain) DrainEnd(int32, int64, int64) {}
