package workloads

import (
	"errors"
	"strconv"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaosrun/chaosrun/ledger"
)

// Header keys carrying a record's identity, so any record explains itself.
// They are short because they travel with every record: each byte here is
// paid once per send. Topics are per run, so they cannot meet other headers.
const (
	HeaderRun      = "run"
	HeaderEnv      = "env"
	HeaderProducer = "producer"
	HeaderSeq      = "seq"
	HeaderOrder    = "order"
	HeaderMerchant = "merchant"
	HeaderStep     = "step"
	HeaderIntended = "intended_us" // intended send time, unix µs
	HeaderSent     = "sent_us"     // actual send time, unix µs
)

const numHeaders = 9

// Identity is what the decoder needs to tell this run's records apart without
// allocating for them.
type Identity struct {
	Run string
	Env string
}

var errNoIdentity = errors.New("no chaosrun identity headers")

// Decode reads a record's identity headers into e. Run and Env are set to the
// identity's strings when they match, so the common case does not allocate.
func (id Identity) Decode(r *kgo.Record, e *ledger.Event) error {
	*e = ledger.Event{Partition: r.Partition, Offset: r.Offset}
	var seen int
	for i := range r.Headers {
		h := &r.Headers[i]
		if err := id.decodeHeader(h, e); err != nil {
			return err
		}
		seen++
	}
	if seen == 0 || e.Run == "" {
		return errNoIdentity
	}
	return nil
}

func (id Identity) decodeHeader(h *kgo.RecordHeader, e *ledger.Event) error {
	switch h.Key {
	case HeaderRun:
		e.Run = internOr(h.Value, id.Run)
	case HeaderEnv:
		e.Env = internOr(h.Value, id.Env)
	case HeaderProducer:
		n, err := parseUint(h.Value)
		e.Producer = uint32(n)
		return err
	case HeaderSeq:
		n, err := parseUint(h.Value)
		e.Seq = n
		return err
	case HeaderOrder:
		n, err := parseUint(h.Value)
		e.Order = n
		return err
	case HeaderStep:
		n, err := parseUint(h.Value)
		e.Step = ledger.Step(n)
		return err
	case HeaderIntended:
		n, err := parseUint(h.Value)
		e.Intended = time.UnixMicro(int64(n))
		return err
	case HeaderSent:
		n, err := parseUint(h.Value)
		e.Sent = time.UnixMicro(int64(n))
		return err
	}
	return nil
}

// internOr returns known when b spells it, else a copy of b.
func internOr(b []byte, known string) string {
	if string(b) == known { // the compiler does not allocate for this comparison
		return known
	}
	return string(b)
}

var errBadNumber = errors.New("bad number in identity header")

// parseUint parses decimal ASCII without allocating.
func parseUint(b []byte) (uint64, error) {
	if len(b) == 0 || len(b) > 20 {
		return 0, errBadNumber
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, errBadNumber
		}
		n = n*10 + uint64(c-'0')
	}
	return n, nil
}

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
func (b *eventBuf) fill(id Identity, topic string, producer uint32, seq uint64, o orderEvent, key KeyMode,
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
	hs = append(hs, kgo.RecordHeader{Key: HeaderRun, Value: unsafeBytes(id.Run)},
		kgo.RecordHeader{Key: HeaderEnv, Value: unsafeBytes(id.Env)})
	addNum(HeaderProducer, uint64(producer))
	addNum(HeaderSeq, seq)
	addNum(HeaderOrder, o.order)
	addNum(HeaderMerchant, o.merchant)
	addNum(HeaderStep, uint64(o.step))
	addNum(HeaderIntended, uint64(intended.UnixMicro()))
	addNum(HeaderSent, uint64(sent.UnixMicro()))

	b.rec = kgo.Record{Topic: topic, Headers: hs, Value: b.fillValue(o, size)}
	switch key {
	case KeyOrder:
		b.rec.Key = strconv.AppendUint(b.key[:0], o.order, 10)
	case KeyMerchant:
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
func RecordBytes(id Identity, key KeyMode, size int) int {
	var b eventBuf
	now := time.Now()
	b.fill(id, "t", 1, 1_000_000, orderEvent{order: 1_000_000, merchant: 42, step: ledger.StepPaid}, key, now, now, size)
	n := len(b.rec.Key) + len(b.rec.Value)
	for _, h := range b.rec.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return n
}
