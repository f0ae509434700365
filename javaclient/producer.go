package javaclient

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Producer is one Java producer process.
type Producer struct {
	pr      *process
	scratch [8]byte
}

// Outcome is one send's result as the Java client reported it.
type Outcome struct {
	Seq uint64
	// Kind is Acked, Failed (certainly not written) or Unknown (may be written).
	Kind      byte
	Partition int32
	Offset    int64
	Err       string // the client's exception: "Class: message"
}

// Outcome kinds.
const (
	Acked   = 'a'
	Failed  = 'f'
	Unknown = 'u'
)

// StartProducer starts a producer that sends to topic with the Java
// settings given (bootstrap.servers among them); its log goes to logw.
func (p Program) StartProducer(settings map[string]string, topic string, logw io.Writer) (*Producer, error) {
	pr, err := p.start("produce", settings, logw, topic)
	if err != nil {
		return nil, err
	}
	return &Producer{pr: pr}, nil
}

// Send hands one record to the client; it blocks when the client does
// (its buffer full, for up to max.block.ms). It does not allocate.
func (p *Producer) Send(seq uint64, key, value []byte, headers []kgo.RecordHeader) error {
	w := p.pr.in
	w.WriteByte('R')
	binary.BigEndian.PutUint64(p.scratch[:], seq)
	w.Write(p.scratch[:8])
	p.bytes(key)
	p.bytes(value)
	binary.BigEndian.PutUint16(p.scratch[:2], uint16(len(headers)))
	w.Write(p.scratch[:2])
	for i := range headers {
		binary.BigEndian.PutUint32(p.scratch[:4], uint32(len(headers[i].Key)))
		w.Write(p.scratch[:4])
		w.WriteString(headers[i].Key)
		p.bytes(headers[i].Value)
	}
	_, err := w.Write(nil)
	return err
}

func (p *Producer) bytes(b []byte) {
	n := int32(len(b))
	if b == nil {
		n = -1
	}
	binary.BigEndian.PutUint32(p.scratch[:4], uint32(n))
	p.pr.in.Write(p.scratch[:4])
	p.pr.in.Write(b)
}

// Push hands buffered records over now (before the schedule waits).
func (p *Producer) Push() error { return p.pr.in.Flush() }

// Next is the next outcome; io.EOF once the client has closed.
func (p *Producer) Next() (Outcome, error) {
	line, err := p.pr.line()
	if err != nil {
		return Outcome{}, io.EOF
	}
	if string(line) == "closed" {
		return Outcome{}, io.EOF
	}
	return parseOutcome(line)
}

// parseOutcome reads "a SEQ PARTITION OFFSET" or "f|u SEQ ERROR"; an ack
// does not allocate.
func parseOutcome(line []byte) (Outcome, error) {
	bad := func() (Outcome, error) { return Outcome{}, fmt.Errorf("java producer: unexpected line %q", line) }
	if len(line) < 3 || line[1] != ' ' {
		return bad()
	}
	o := Outcome{Kind: line[0]}
	rest := line[2:]
	var n int64
	var ok bool
	if n, rest, ok = field(rest); !ok {
		return bad()
	}
	o.Seq = uint64(n)
	switch o.Kind {
	case Acked:
		if n, rest, ok = field(rest); !ok {
			return bad()
		}
		o.Partition = int32(n)
		if o.Offset, _, ok = field(rest); !ok {
			return bad()
		}
	case Failed, Unknown:
		o.Err = string(rest)
	default:
		return bad()
	}
	return o, nil
}

// field parses a leading decimal (maybe negative) up to a space or the end.
func field(b []byte) (int64, []byte, bool) {
	i := 0
	for i < len(b) && b[i] != ' ' {
		i++
	}
	n, err := strconv.ParseInt(unsafeString(b[:i]), 10, 64)
	if i < len(b) {
		i++
	}
	return n, b[i:], err == nil
}

// Finish asks the client to send what it holds and close; outcomes keep
// coming until Next returns io.EOF.
func (p *Producer) Finish() error {
	p.pr.in.WriteByte('F')
	err := p.pr.in.Flush()
	return errors.Join(err, p.pr.stdin.Close())
}

// Close asks the client to send what it holds and close, and waits until
// deadline; then it is killed (sends it has not answered stay open). It
// returns how the process ended: nil when it closed, or was killed.
func (p *Producer) Close(deadline time.Time) error {
	kill := time.AfterFunc(time.Until(deadline), p.pr.kill) // a client stuck in send() stops reading frames
	defer kill.Stop()
	ferr := p.Finish()
	<-p.pr.waited
	if err := p.pr.exitError(); err != nil {
		return errors.Join(err, ferr)
	}
	return nil
}

// Wait waits for the process to end and says how it ended (nil when it was
// killed by us).
func (p *Producer) Wait() error { return p.pr.exitError() }

// Buffered is how many bytes of frames wait to be handed over.
func (p *Producer) Buffered() int { return p.pr.in.Buffered() }

// Kill ends the process at once.
func (p *Producer) Kill() { p.pr.kill() }
