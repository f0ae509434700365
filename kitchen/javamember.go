package kitchen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/chaosrun/chaosrun/clientconf"
	"github.com/chaosrun/chaosrun/javaclient"
)

// javaMember is a kitchen-display member's Java client process. Commands
// (commit, skip, stop) come from the poll loop and from a stop at once.
type javaMember struct {
	mu   sync.Mutex
	proc *javaclient.Consumer
	log  io.Closer
}

func (m *javaMember) do(f func(*javaclient.Consumer) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return f(m.proc)
}

func (in *instance) startJava() error {
	g := in.g
	j := g.spec.Java
	logf := j.Log(fmt.Sprintf("java-consumer-%d-%d", in.slot, time.Now().UnixMilli()))
	proc, err := j.Program.StartConsumer(j.ConsumerSettings(g.spec.Group, in.slot), g.spec.Topic, g.spec.Config.AutoCommit, logf)
	if err != nil {
		logf.Close()
		return fmt.Errorf("consumer instance %d: %w", in.slot, err)
	}
	in.java = &javaMember{proc: proc, log: logf}
	return nil
}

// pollJava hands what the member's client polls to the workers. In the
// safe mode each poll is processed before the client is told to commit it
// (and to poll again); with enable.auto.commit the client polls on and
// commits on its own interval what it handed over, processed or not. The
// client keeps its own group membership: a poll processed for longer than
// max.poll.interval.ms puts it out of the group, and its commit fails.
func (in *instance) pollJava() {
	defer close(in.loop)
	auto := in.g.spec.Config.AutoCommit
	for {
		ev, err := in.java.proc.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			// The stream is out of step: the member cannot answer its poll.
			in.g.errs.Add(fmt.Errorf("consumer instance %d: %w (the member is stopped)", in.slot, err))
			in.dropped.Store(true)
			in.java.proc.Kill()
			return
		}
		switch {
		case ev.Ownership != "":
			in.track(ev.Ownership, ev.Partitions)
			in.g.kitchen.out.OwnershipChanged(time.Now(), in.slot, ev.Ownership, ev.Generation, ev.Partitions)
		case ev.Error != "":
			in.g.errs.Add(clientconf.JavaError(ev.Error))
		case ev.Commit != nil:
			if *ev.Commit != "" {
				in.g.errs.Add(clientconf.JavaError("commit: " + *ev.Commit))
			}
		case in.crashAt.Load():
			in.java.proc.Kill() // the poll dies with the process
			return
		default:
			in.dispatch(ev.Records)
			if auto {
				continue
			}
			in.batch.Wait()
			if in.crashLate.Load() {
				in.java.proc.Kill() // processed, never committed
				return
			}
			cmd := (*javaclient.Consumer).Commit
			if in.dropped.Load() {
				cmd = (*javaclient.Consumer).Skip // abandoned work is not committed
			}
			if err := in.java.do(cmd); err != nil {
				return // the process is gone: its output ends too
			}
		}
	}
}

// shutdownJava stops the member: gracefully (its last poll processed and
// committed, then the client closes and leaves), or, when its work was
// dropped (a crash), by killing the process.
func (in *instance) shutdownJava() {
	in.cancelPoll()
	if in.dropped.Load() {
		in.java.proc.Kill()
	} else if err := in.java.do((*javaclient.Consumer).Stop); err != nil {
		in.java.proc.Kill()
	}
	// Work that does not finish must not hang the stop: past the deadline
	// it is abandoned, uncommitted, with the process.
	stopAbandon := context.AfterFunc(timeoutCtx(drainTimeout), func() {
		in.dropped.Store(true)
		in.cancelWork()
		in.java.proc.Kill()
	})
	<-in.loop
	for _, q := range in.queues {
		close(q)
	}
	in.workers.Wait()
	stopAbandon()
	in.cancelWork()
	if err := in.java.proc.Wait(commitTimeout); err != nil && !in.dropped.Load() {
		in.g.errs.Add(err)
	}
	in.java.log.Close()
}
