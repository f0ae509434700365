package load

import (
	"strconv"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/orders"
)

// numHeaders is how many identity headers fill writes.
const numHeaders = 9

// eventBuf is one record in flight with the storage its headers, key and
// value point into, so a send reuses memory instead of allocating.
type eventBuf struct {
	rec      kgo.Record // first field: the produce promise maps the record back to its eventBuf
	headers  [numHeaders]kgo.RecordHeader
	num      [numHeaders * 20]byte
	key      [20]byte
	value    []byte
	id       ledger.ID
	intended time.Time
	sent     time.Time
	ticket   atomic.Uint64 // seq+1 while its outcome is open (expiry); 0 once claimed
}

// fill writes one order event into b.
func (b *eventBuf) fill(id orders.Identity, topic string, producer uint32, seq uint64, o orderEvent, key orders.KeyMode,
	intended, sent time.Time, size int) {
	b.id = ledger.ID{Producer: producer, Seq: seq}
	b.intended, b.sent = intended, sent
	num := b.num[:0]
	hs := b.headers[:0]
	addNum := func(k string, v uint64) {
		start := len(num)
		num = strconv.AppendUint(num, v, 10)
		hs = append(hs, kgo.RecordHeader{Key: k, Value: num[start:len(num):len(num)]})
	}
	hs = append(hs, kgo.RecordHeader{Key: orders.HeaderRun, Value: unsafeBytes(id.Run)},
		kgo.RecordHeader{Key: orders.HeaderEnv, Value: unsafeBytes(id.Env)})
	addNum(orders.HeaderProducer, uint64(producer))
	addNum(orders.HeaderSeq, seq)
	addNum(orders.HeaderOrder, o.order)
	addNum(orders.HeaderMerchant, o.merchant)
	addNum(orders.HeaderStep, uint64(o.step))
	addNum(orders.HeaderIntended, uint64(intended.UnixMicro()))
	addNum(orders.HeaderSent, uint64(sent.UnixMicro()))

	b.rec = kgo.Record{Topic: topic, Headers: hs, Value: b.fillValue(o, size)}
	switch key {
	case orders.KeyOrder:
		b.rec.Key = strconv.AppendUint(b.key[:0], o.order, 10)
	case orders.KeyMerchant:
		b.rec.Key = strconv.AppendUint(b.key[:0], o.merchant, 10)
	}
}

// fillValue writes a small readable body padded to size bytes.
func (b *eventBuf) fillValue(o orderEvent, size int) []byte {
	v := b.value[:0]
	v = append(v, `{"order":`...)
	v = strconv.AppendUint(v, o.order, 10)
	v = append(v, `,"merchant":`...)
	v = strconv.AppendUint(v, o.merchant, 10)
	v = append(v, `,"step":"`...)
	v = append(v, o.step.String()...)
	v = append(v, `","pad":"`...)
	for len(v) < size-2 {
		v = append(v, 'x')
	}
	v = append(v, `"}`...)
	b.value = v
	return v
}

// garble replaces the value with bytes no kitchen can decode, keeping its
// size and the identity headers (so the ledger still knows the record).
func (b *eventBuf) garble() {
	v := b.value[:0]
	for len(v) < max(len(b.rec.Value), 8) {
		v = append(v, 0xde, 0xad, 0xbe, 0xef)
	}
	b.value = v
	b.rec.Value = v
}

// unsafeBytes views a string as bytes without copying; the client only reads
// header values, and the strings live for the whole run.
func unsafeBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// RecordBytes is the key, value and header bytes of a typical record of
// the workload (a mid-run sequence number and times of now), so others can
// be asked to send records of the same size (kafka-producer-perf-test).
func RecordBytes(id orders.Identity, key orders.KeyMode, size int) int {
	var b eventBuf
	now := time.Now()
	b.fill(id, "t", 1, 1_000_000, orderEvent{order: 1_000_000, merchant: 42, step: ledger.StepPaid}, key, now, now, size)
	n := len(b.rec.Key) + len(b.rec.Value)
	for _, h := range b.rec.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return n
}
