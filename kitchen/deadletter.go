package kitchen

import (
	"context"
	"fmt"
	"strconv"

	"github.com/chaosrun/chaosrun/ledger"
	"github.com/twmb/franz-go/pkg/kgo"
)

// DeadLetter retries in place, and after MaxAttempts tries publishes the
// event to the dead-letter topic (seed 003).
var DeadLetter Policy = deadLettering{}

type deadLettering struct{}

func (deadLettering) Name() string      { return "dead-letter" }
func (deadLettering) Parks() bool       { return false }
func (deadLettering) DeadLetters() bool { return true }

func (deadLettering) failed(ctx context.Context, k *kitchen, it *item, err error, attempt int, m member) (bool, bool) {
	if attempt < k.spec.MaxAttempts {
		return false, false
	}
	return true, k.deadLetter(ctx, it, err, attempt, m)
}

// deadLetter publishes the event to the dead-letter topic until it is
// written, then accounts for it.
func (k *kitchen) deadLetter(ctx context.Context, it *item, cause error, attempts int, m member) bool {
	for try := 1; ; try++ {
		err := m.deadLetter(it, cause, attempts)
		if err == nil {
			k.out.Diverted(&it.e, ledger.DeadLettered)
			return true
		}
		k.errs.Add(fmt.Errorf("dead-letter: %w", err))
		if !sleepCtx(ctx, k.backoff(try)) {
			return false
		}
	}
}

// Dead-letter headers: where the record came from and why it left.
const (
	HeaderDLQPartition = "dlq_partition"
	HeaderDLQOffset    = "dlq_offset"
	HeaderDLQError     = "dlq_error"
	HeaderDLQAttempts  = "dlq_attempts"
)

// deadLetterRecord is rec for the dead-letter topic: its key, value and
// identity headers, plus the origin and the error.
func deadLetterRecord(topic string, rec *kgo.Record, cause error, attempts int) *kgo.Record {
	hs := append([]kgo.RecordHeader(nil), rec.Headers...)
	hs = append(hs,
		kgo.RecordHeader{Key: HeaderDLQPartition, Value: strconv.AppendInt(nil, int64(rec.Partition), 10)},
		kgo.RecordHeader{Key: HeaderDLQOffset, Value: strconv.AppendInt(nil, rec.Offset, 10)},
		kgo.RecordHeader{Key: HeaderDLQError, Value: []byte(cause.Error())},
		kgo.RecordHeader{Key: HeaderDLQAttempts, Value: strconv.AppendInt(nil, int64(attempts), 10)})
	return &kgo.Record{Topic: topic, Key: rec.Key, Value: rec.Value, Headers: hs}
}
