package orders

import (
	"errors"
	"time"

	"github.com/chaosrun/chaosrun/ledger"
	"github.com/twmb/franz-go/pkg/kgo"
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
