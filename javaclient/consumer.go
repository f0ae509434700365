package javaclient

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Consumer is one Java kitchen-display member process.
type Consumer struct {
	pr    *process
	topic string
}

// Event is what a consumer process reports: one of Ownership, Records,
// Commit or Error is set.
type Event struct {
	// Ownership: "assigned", "revoked" or "lost", with the generation and partitions.
	Ownership  string
	Generation int32
	Partitions []int32
	// Records are one poll's records.
	Records []*kgo.Record
	// Commit answers a Commit: empty when committed, else why not.
	Commit *string
	Error  string
}

// StartConsumer starts a member of the group in settings (group.id,
// bootstrap.servers among them) reading topic. With auto it hands each poll
// over and polls on, the client committing on its own interval; without,
// each poll waits for Commit or Skip.
func (p Program) StartConsumer(settings map[string]string, topic string, auto bool, logw io.Writer) (*Consumer, error) {
	mode := "safe"
	if auto {
		mode = "auto"
	}
	pr, err := p.start("consume", settings, logw, topic, mode)
	if err != nil {
		return nil, err
	}
	return &Consumer{pr: pr, topic: topic}, nil
}

// Next is the next event; io.EOF once the member has closed or died.
func (c *Consumer) Next() (Event, error) {
	line, err := c.pr.line()
	if err != nil {
		return Event{}, io.EOF
	}
	kind, rest, _ := bytes.Cut(line, []byte{' '})
	switch string(kind) {
	case "closed":
		return Event{}, io.EOF
	case "assigned", "revoked", "lost":
		return parseOwnership(string(kind), string(rest))
	case "poll":
		n, err := strconv.Atoi(string(rest))
		if err != nil || n < 0 {
			return Event{}, fmt.Errorf("java consumer: bad line %q", line)
		}
		recs := make([]*kgo.Record, 0, n)
		var bad error
		for range n {
			l, err := c.pr.line()
			if err != nil {
				return Event{}, io.EOF
			}
			r, err := parseRecord(c.topic, l)
			if err != nil {
				bad = cmp.Or(bad, err) // the poll's other lines are read still: the stream stays in step
				continue
			}
			recs = append(recs, r)
		}
		if bad != nil {
			return Event{}, &ProtocolError{Err: bad}
		}
		return Event{Records: recs}, nil
	case "committed":
		ok := ""
		return Event{Commit: &ok}, nil
	case "commit-failed":
		why := string(rest)
		return Event{Commit: &why}, nil
	case "error":
		return Event{Error: string(rest)}, nil
	}
	return Event{}, &ProtocolError{Err: fmt.Errorf("java consumer: unexpected line %q", line)}
}

func parseOwnership(kind, rest string) (Event, error) {
	gen, parts, _ := strings.Cut(rest, " ")
	g, err := strconv.ParseInt(gen, 10, 32)
	if err != nil {
		return Event{}, fmt.Errorf("java consumer: bad generation in %q", rest)
	}
	e := Event{Ownership: kind, Generation: int32(g)}
	for _, p := range strings.Split(parts, ",") {
		n, err := strconv.ParseInt(p, 10, 32)
		if err != nil {
			return Event{}, fmt.Errorf("java consumer: bad partition in %q", rest)
		}
		e.Partitions = append(e.Partitions, int32(n))
	}
	return e, nil
}

// parseRecord reads "r PARTITION OFFSET KEY VALUE {HKEY HVALUE}".
func parseRecord(topic string, line []byte) (*kgo.Record, error) {
	f := strings.Fields(string(line))
	if len(f) < 5 || f[0] != "r" || (len(f)-5)%2 != 0 {
		return nil, fmt.Errorf("java consumer: bad record line %q", line)
	}
	part, err1 := strconv.ParseInt(f[1], 10, 32)
	off, err2 := strconv.ParseInt(f[2], 10, 64)
	key, err3 := decodeField(f[3])
	value, err4 := decodeField(f[4])
	if err := firstErr(err1, err2, err3, err4); err != nil {
		return nil, fmt.Errorf("java consumer: bad record line %q: %w", line, err)
	}
	r := &kgo.Record{Topic: topic, Partition: int32(part), Offset: off, Key: key, Value: value}
	for i := 5; i < len(f); i += 2 {
		k, err1 := decodeField(f[i])
		v, err2 := decodeField(f[i+1])
		if err := firstErr(err1, err2); err != nil {
			return nil, fmt.Errorf("java consumer: bad header in %q: %w", line, err)
		}
		r.Headers = append(r.Headers, kgo.RecordHeader{Key: string(k), Value: v})
	}
	return r, nil
}

func decodeField(s string) ([]byte, error) {
	switch {
	case s == "-":
		return nil, nil
	case strings.HasPrefix(s, "~"):
		return base64.StdEncoding.DecodeString(s[1:])
	}
	return nil, fmt.Errorf("field %q is neither ~base64 nor -", s)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// Commit asks the member to commit what it polled last (commitSync); Next
// brings the answer.
func (c *Consumer) Commit() error { return c.command("commit") }

// Skip lets the member poll on without committing its last poll.
func (c *Consumer) Skip() error { return c.command("skip") }

// Stop asks the member to leave: it stops polling, commits (in safe mode
// after its last poll's Commit or Skip; with auto-commit on close) and
// closes; Next then returns io.EOF.
func (c *Consumer) Stop() error { return c.command("stop") }

func (c *Consumer) command(s string) error {
	c.pr.in.WriteString(s)
	c.pr.in.WriteByte('\n')
	return c.pr.in.Flush()
}

// Kill ends the member at once, as a crash does: nothing more is committed
// and the group hears of it only when its session times out.
func (c *Consumer) Kill() { c.pr.kill() }

// Wait waits up to d for the process to end, then kills it.
func (c *Consumer) Wait(d time.Duration) error {
	select {
	case <-c.pr.waited:
	case <-time.After(d):
		c.pr.kill()
	}
	return c.pr.exitError()
}

// ProtocolError is a line the client should never have written: the member
// cannot go on (its poll cannot be answered).
type ProtocolError struct{ Err error }

func (e *ProtocolError) Error() string { return e.Err.Error() }
func (e *ProtocolError) Unwrap() error { return e.Err }
