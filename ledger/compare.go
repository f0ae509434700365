package ledger

import "github.com/chaosrun/chaosrun/internal/seqset"

// Comparison is what the ledger learns by comparing, per producer, what was sent
// with what was processed and what the log holds.
type Comparison struct {
	LostKafka    Tally            // acked, not in the log, and not deleted by retention
	Retention    Tally            // acked, deleted by retention before the group processed it
	RetentionBy  []int64          // retention's count by partition
	Unconfirmed  Tally            // sent with unknown outcome, neither in the log nor processed
	LostConsumer Tally            // in the log (and this run's), never processed nor diverted
	LostTo       map[string]int64 // of LostConsumer, taken by another environment's consumer

	Diverted [diversions]Tally // by Diversion-1
	Healthy  [diversions]Tally // diverted without being poison

	FailedProcessed, NeverProcessed Tally // processed, but not sent

	AbortedProcessed, AbortedLogged, AbortedOutput Tally // of aborted transactions, yet read
	LostOutput                                     Tally // processed, without a result in the output topic
	FailedLogged, NeverLogged                      Tally // in the log, but not sent

	Processed, InLog int64 // distinct records of this run
}

// Unexpected counts this run's ids read back although their send failed or never happened.
func (c *Comparison) Unexpected() int64 {
	return c.FailedProcessed.N + c.NeverProcessed.N + c.FailedLogged.N + c.NeverLogged.N
}

// compare walks every producer's sets. A seq belongs to this run when it is
// at or below the producer's highest recorded seq and its send did not fail.
func (l *Ledger) compare() Comparison {
	var c Comparison
	n := max(len(l.prod.senders), len(l.cons.processed), len(l.drain.drained))
	for i := 0; i < n; i++ {
		var acked, failed, aborted *seqset.Set
		var top uint64
		var known bool
		if s := l.prod.sender(i); s != nil {
			acked, failed, aborted, top, known = &s.acked, &s.failed, &s.aborted, s.top, s.any
		}
		proc, logged := l.cons.processed.Get(i), l.drain.drained.Get(i)
		p := uint32(i)

		l.compareLost(&c, p, acked, logged, proc)
		if s := l.prod.sender(i); s != nil {
			c.Unconfirmed.take(p, seqset.Minus(seqset.Minus(seqset.RunsOf(&s.unknown), seqset.RunsOf(logged)), seqset.RunsOf(proc)), "")
		}

		c.FailedProcessed.take(p, seqset.And(seqset.RunsOf(proc), seqset.RunsOf(failed)), " processed: its send failed")
		c.NeverProcessed.take(p, seqset.Above(seqset.RunsOf(proc), top, known), " processed: never sent")
		c.FailedLogged.take(p, seqset.And(seqset.RunsOf(logged), seqset.RunsOf(failed)), " in log: its send failed")
		c.NeverLogged.take(p, seqset.Above(seqset.RunsOf(logged), top, known), " in log: never sent")

		c.AbortedProcessed.take(p, seqset.And(seqset.RunsOf(proc), seqset.RunsOf(aborted)), " processed: its transaction was aborted")
		c.AbortedLogged.take(p, seqset.And(seqset.RunsOf(logged), seqset.RunsOf(aborted)), " read by the read_committed drain: its transaction was aborted")
		out := l.output.got.Get(i)
		c.AbortedOutput.take(p, seqset.And(seqset.RunsOf(out), seqset.RunsOf(aborted)), " in the output topic: its transaction was aborted")

		ours := func(s *seqset.Set) seqset.Runs {
			return seqset.Minus(seqset.Minus(seqset.UpTo(seqset.RunsOf(s), top, known), seqset.RunsOf(failed)), seqset.RunsOf(aborted))
		}
		if l.output.drained {
			c.LostOutput.take(p, seqset.Minus(ours(proc), seqset.RunsOf(out)), " processed, no result in the output topic")
		}
		c.Processed += int64(seqset.Total(ours(proc)))
		c.InLog += int64(seqset.Total(ours(logged)))
		l.compareKitchen(&c, p, func() seqset.Runs { return seqset.Minus(ours(logged), seqset.RunsOf(proc)) })
	}
	return c
}

// compareKitchen sorts the logged records the group never processed: those
// it diverted (skipped, given up, dead-lettered into the dead-letter topic)
// are its own findings; the rest are consumer-level loss.
func (l *Ledger) compareKitchen(c *Comparison, p uint32, unprocessed func() seqset.Runs) {
	k, i := &l.cons.kitchen, int(p)
	dl, parked := k.diverted[DeadLettered-1].Get(i), k.parked.Get(i)
	undisposed := func() seqset.Runs {
		r := seqset.Minus(unprocessed(), seqset.RunsOf(k.diverted[Skipped-1].Get(i)))
		r = seqset.Minus(r, seqset.RunsOf(k.diverted[GaveUp-1].Get(i)))
		return seqset.Minus(r, seqset.And(seqset.RunsOf(dl), seqset.RunsOf(k.inDLQ.Get(i))))
	}
	for _, env := range l.cons.foreign.envs() {
		took := seqset.RunsOf(l.cons.foreign.takenBy(env, i))
		before := c.LostConsumer.N
		c.LostConsumer.take(p, seqset.And(undisposed(), took), " taken by env "+env)
		if c.LostTo == nil {
			c.LostTo = map[string]int64{}
		}
		c.LostTo[env] += c.LostConsumer.N - before
	}
	undisposedHere := func() seqset.Runs {
		r := undisposed()
		for _, env := range l.cons.foreign.envs() {
			r = seqset.Minus(r, seqset.RunsOf(l.cons.foreign.takenBy(env, i)))
		}
		return r
	}
	c.LostConsumer.take(p, seqset.Minus(seqset.Minus(undisposedHere(), seqset.RunsOf(parked)), seqset.RunsOf(dl)), "")
	c.LostConsumer.take(p, seqset.And(undisposedHere(), seqset.RunsOf(parked)), " parked in the retry table, never applied")
	c.LostConsumer.take(p, seqset.And(seqset.Minus(undisposedHere(), seqset.RunsOf(parked)), seqset.RunsOf(dl)), " dead-lettered, but not in the dead-letter topic")
	for d := range diversions {
		set := k.diverted[d].Get(i)
		c.Diverted[d].take(p, seqset.RunsOf(set), "")
		// Diverted, then redelivered and processed after all: no loss.
		healthy := seqset.Minus(seqset.Minus(seqset.RunsOf(set), seqset.RunsOf(k.poison.Get(i))), seqset.RunsOf(l.cons.processed.Get(i)))
		c.Healthy[d].take(p, healthy, " "+Diversion(d+1).String())
	}
}

// compareLost sorts producer p's acked records missing from the final drain:
// those acked below their partition's log start were deleted by retention
// (loss only when the group never processed them: the consumer fell behind
// retention), the rest Kafka lost.
func (l *Ledger) compareLost(c *Comparison, p uint32, acked, logged, proc *seqset.Set) {
	s := l.prod.sender(int(p))
	deleted := func(seq uint64) bool {
		if s == nil || !l.prod.byPosition {
			return false
		}
		part, off, ok := s.where.Get(seq)
		if !ok || int(part) >= len(l.drain.parts) {
			return false
		}
		d := l.drain.parts[part]
		return d.ended && off < d.start
	}
	missing := func() seqset.Runs { return seqset.Minus(seqset.RunsOf(acked), seqset.RunsOf(logged)) }
	c.LostKafka.take(p, seqset.Filter(missing(), func(seq uint64) bool { return !deleted(seq) }), "")
	unread := seqset.Minus(seqset.Filter(missing(), deleted), seqset.RunsOf(proc))
	for sp, ok := unread.Next(); ok; sp, ok = unread.Next() {
		c.Retention.take(p, seqset.List(sp), "")
		for seq := sp.Lo; ; seq++ {
			part, _, _ := s.where.Get(seq)
			c.RetentionBy = growTo(c.RetentionBy, int(part))
			c.RetentionBy[part]++
			if seq == sp.Hi {
				break
			}
		}
	}
}
