package workloads

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/chaosrun/chaosrun/javaclient"
)

// JavaClient runs the workload's producers and kitchen-display members as
// processes on the Apache Kafka Java client instead of franz-go. The
// schedule, events and processing stay here; sending, buffering, retries,
// group membership and commits are the Java client's, with the scenario's
// settings passed to it untouched.
type JavaClient struct {
	Program   javaclient.Program
	Bootstrap []string          // the brokers' proxies (local clusters advertise them)
	Producer  map[string]string // the scenario's producer settings, as written
	Consumer  map[string]string // the scenario's consumer settings, as written
	LogDir    string            // each process's log (stderr) goes here; empty: discarded
}

// ProducerSettings are producer i's settings: the scenario's, and what
// chaosrun owns.
func (j *JavaClient) ProducerSettings(i int) map[string]string {
	s := maps.Clone(j.Producer)
	s["bootstrap.servers"] = strings.Join(j.Bootstrap, ",")
	if s["client.id"] == "" {
		s["client.id"] = fmt.Sprintf("chaosrun-producer-%d", i)
	}
	return s
}

// ConsumerSettings are member slot's settings: the scenario's, the group,
// and the kitchen display's own choices where the scenario is silent (it
// commits after processing and reads from the start, as the franz-go
// kitchen does).
func (j *JavaClient) ConsumerSettings(group string, slot int) map[string]string {
	s := maps.Clone(j.Consumer)
	s["bootstrap.servers"] = strings.Join(j.Bootstrap, ",")
	s["group.id"] = group
	if s["client.id"] == "" {
		s["client.id"] = fmt.Sprintf("chaosrun-consumer-%d", slot)
	}
	if id := s["group.instance.id"]; id != "" {
		s["group.instance.id"] = fmt.Sprintf("%s-%d", id, slot) // static members need distinct ids
	}
	for k, v := range KitchenJavaDefaults {
		if _, set := s[k]; !set {
			s[k] = v
		}
	}
	return s
}

// KitchenJavaDefaults are the settings the Java kitchen display sets itself
// when the scenario does not, where the Java client's defaults differ from
// the kitchen's design (true and latest).
var KitchenJavaDefaults = map[string]string{"enable.auto.commit": "false", "auto.offset.reset": "earliest"}

// log opens the log of one process.
func (j *JavaClient) log(name string) io.WriteCloser {
	if j.LogDir == "" {
		return nopCloser{io.Discard}
	}
	f, err := os.Create(filepath.Join(j.LogDir, name+".log"))
	if err != nil {
		return nopCloser{io.Discard}
	}
	return f
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// javaSender is a producer's Java process and the sends it has not
// answered yet.
type javaSender struct {
	p        *producer
	proc     *javaclient.Producer
	logf     io.WriteCloser
	mu       sync.Mutex
	inflight map[uint64]*eventBuf
	read     chan struct{} // closed when the outcome reader is done
	once     sync.Once
	err      error     // finish's
	pushed   time.Time // when frames were last handed over
}

func (p *producer) startJava() error {
	j := p.spec.Java
	logf := j.log(fmt.Sprintf("java-producer-%d", p.id))
	proc, err := j.Program.StartProducer(j.ProducerSettings(int(p.id)), p.spec.Topic, logf)
	if err != nil {
		logf.Close()
		return fmt.Errorf("producer %d: %w", p.id, err)
	}
	p.java = &javaSender{p: p, proc: proc, logf: logf, inflight: make(map[uint64]*eventBuf, 4096), read: make(chan struct{})}
	go p.java.outcomes()
	return nil
}

// send hands b to the Java client; b is the client's until its outcome.
func (s *javaSender) send(b *eventBuf) error {
	s.mu.Lock()
	s.inflight[b.id.Seq] = b
	s.mu.Unlock()
	if err := s.proc.Send(b.id.Seq, b.rec.Key, b.rec.Value, b.rec.Headers); err != nil {
		return fmt.Errorf("producer %d: the Java client is gone: %w", s.p.id, errors.Join(err, s.proc.Wait()))
	}
	// Frames wait at most a millisecond to be handed over, also when sends
	// come too fast for the schedule to pause between them.
	if now := time.Now(); now.Sub(s.pushed) > time.Millisecond {
		s.pushed = now
		return s.push()
	}
	return nil
}

// push hands buffered frames to the client.
func (s *javaSender) push() error {
	if err := s.proc.Push(); err != nil {
		return fmt.Errorf("producer %d: the Java client is gone: %w", s.p.id, errors.Join(err, s.proc.Wait()))
	}
	return nil
}

// outcomes reads the client's answers into the ledger.
func (s *javaSender) outcomes() {
	defer close(s.read)
	for {
		o, err := s.proc.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			s.p.errs.add(err)
			continue
		}
		s.mu.Lock()
		b := s.inflight[o.Seq]
		delete(s.inflight, o.Seq)
		s.mu.Unlock()
		if b == nil {
			s.p.errs.add(fmt.Errorf("java producer %d: an outcome for seq %d, which is not in flight", s.p.id, o.Seq))
			continue
		}
		now := time.Now()
		switch {
		case o.Kind == javaclient.Acked && !s.p.acksZero:
			s.p.out.Acked(b.id, o.Partition, o.Offset, b.intended, b.sent, now)
		case o.Kind == javaclient.Acked, o.Kind == javaclient.Unknown:
			s.p.out.Unknown(b.id, b.intended, b.sent, now)
		default:
			s.p.out.Failed(b.id, b.intended, b.sent, now)
		}
		if o.Err != "" {
			s.p.errs.add(javaError(o.Err))
		}
		s.p.pool.Put(b)
	}
}

// finish flushes and closes the client within timeout; sends it has not
// answered by then are unknown. Only the first call does anything.
func (s *javaSender) finish(timeout time.Duration) error {
	s.once.Do(func() { s.err = s.close(timeout) })
	return s.err
}

func (s *javaSender) close(timeout time.Duration) error {
	werr := s.proc.Close(time.Now().Add(timeout))
	<-s.read
	s.logf.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for seq, b := range s.inflight {
		s.p.out.Unknown(b.id, b.intended, b.sent, now)
		delete(s.inflight, seq)
	}
	if werr != nil {
		return fmt.Errorf("producer %d: %w", s.p.id, werr)
	}
	return nil
}

var digits = regexp.MustCompile(`[0-9]+`)

// javaError is a Java client's error for the tally: numbers (record counts,
// partitions, milliseconds) become N so one kind of error is one line.
func javaError(msg string) error { return errors.New("java " + digits.ReplaceAllString(msg, "N")) }
