package load

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/chaosrun/chaosrun/clientconf"
	"github.com/chaosrun/chaosrun/javaclient"
)

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
	logf := j.Log(fmt.Sprintf("java-producer-%d", p.id))
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
			s.p.errs.Add(err)
			continue
		}
		s.mu.Lock()
		b := s.inflight[o.Seq]
		delete(s.inflight, o.Seq)
		s.mu.Unlock()
		if b == nil {
			s.p.errs.Add(fmt.Errorf("java producer %d: an outcome for seq %d, which is not in flight", s.p.id, o.Seq))
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
			s.p.errs.Add(clientconf.JavaError(o.Err))
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
