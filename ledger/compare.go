package ledger

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
		var acked, failed, aborted *seqSet
		var top uint64
		var known bool
		if s := l.prod.sender(i); s != nil {
			acked, failed, aborted, top, known = &s.acked, &s.failed, &s.aborted, s.top, s.any
		}
		proc, logged := l.cons.processed.get(i), l.drain.drained.get(i)
		p := uint32(i)

		l.compareLost(&c, p, acked, logged, proc)
		if s := l.prod.sender(i); s != nil {
			c.Unconfirmed.take(p, minus(minus(runsOf(&s.unknown), runsOf(logged)), runsOf(proc)), "")
		}

		c.FailedProcessed.take(p, and(runsOf(proc), runsOf(failed)), " processed: its send failed")
		c.NeverProcessed.take(p, above(runsOf(proc), top, known), " processed: never sent")
		c.FailedLogged.take(p, and(runsOf(logged), runsOf(failed)), " in log: its send failed")
		c.NeverLogged.take(p, above(runsOf(logged), top, known), " in log: never sent")

		c.AbortedProcessed.take(p, and(runsOf(proc), runsOf(aborted)), " processed: its transaction was aborted")
		c.AbortedLogged.take(p, and(runsOf(logged), runsOf(aborted)), " read by the read_committed drain: its transaction was aborted")
		out := l.output.got.get(i)
		c.AbortedOutput.take(p, and(runsOf(out), runsOf(aborted)), " in the output topic: its transaction was aborted")

		ours := func(s *seqSet) runs {
			return minus(minus(upTo(runsOf(s), top, known), runsOf(failed)), runsOf(aborted))
		}
		if l.output.drained {
			c.LostOutput.take(p, minus(ours(proc), runsOf(out)), " processed, no result in the output topic")
		}
		c.Processed += int64(total(ours(proc)))
		c.InLog += int64(total(ours(logged)))
		l.compareKitchen(&c, p, func() runs { return minus(ours(logged), runsOf(proc)) })
	}
	return c
}

// compareKitchen sorts the logged records the group never processed: those
// it diverted (skipped, given up, dead-lettered into the dead-letter topic)
// are its own findings; the rest are consumer-level loss.
func (l *Ledger) compareKitchen(c *Comparison, p uint32, unprocessed func() runs) {
	k, i := &l.cons.kitchen, int(p)
	dl, parked := k.diverted[DeadLettered-1].get(i), k.parked.get(i)
	undisposed := func() runs {
		r := minus(unprocessed(), runsOf(k.diverted[Skipped-1].get(i)))
		r = minus(r, runsOf(k.diverted[GaveUp-1].get(i)))
		return minus(r, and(runsOf(dl), runsOf(k.inDLQ.get(i))))
	}
	for _, env := range l.cons.foreign.envs() {
		took := runsOf(l.cons.foreign.takenBy(env, i))
		before := c.LostConsumer.N
		c.LostConsumer.take(p, and(undisposed(), took), " taken by env "+env)
		if c.LostTo == nil {
			c.LostTo = map[string]int64{}
		}
		c.LostTo[env] += c.LostConsumer.N - before
	}
	undisposedHere := func() runs {
		r := undisposed()
		for _, env := range l.cons.foreign.envs() {
			r = minus(r, runsOf(l.cons.foreign.takenBy(env, i)))
		}
		return r
	}
	c.LostConsumer.take(p, minus(minus(undisposedHere(), runsOf(parked)), runsOf(dl)), "")
	c.LostConsumer.take(p, and(undisposedHere(), runsOf(parked)), " parked in the retry table, never applied")
	c.LostConsumer.take(p, and(minus(undisposedHere(), runsOf(parked)), runsOf(dl)), " dead-lettered, but not in the dead-letter topic")
	for d := range diversions {
		set := k.diverted[d].get(i)
		c.Diverted[d].take(p, runsOf(set), "")
		// Diverted, then redelivered and processed after all: no loss.
		healthy := minus(minus(runsOf(set), runsOf(k.poison.get(i))), runsOf(l.cons.processed.get(i)))
		c.Healthy[d].take(p, healthy, " "+Diversion(d+1).String())
	}
}

// compareLost sorts producer p's acked records missing from the final drain:
// those acked below their partition's log start were deleted by retention
// (loss only when the group never processed them: the consumer fell behind
// retention), the rest Kafka lost.
func (l *Ledger) compareLost(c *Comparison, p uint32, acked, logged, proc *seqSet) {
	s := l.prod.sender(int(p))
	deleted := func(seq uint64) bool {
		if s == nil || !l.prod.byPosition {
			return false
		}
		part, off, ok := s.where.get(seq)
		if !ok || int(part) >= len(l.drain.parts) {
			return false
		}
		d := l.drain.parts[part]
		return d.ended && off < d.start
	}
	missing := func() runs { return minus(runsOf(acked), runsOf(logged)) }
	c.LostKafka.take(p, filterRuns(missing(), func(seq uint64) bool { return !deleted(seq) }), "")
	unread := minus(filterRuns(missing(), deleted), runsOf(proc))
	for sp, ok := unread.next(); ok; sp, ok = unread.next() {
		c.Retention.take(p, &oneSpan{sp: sp}, "")
		for seq := sp.lo; ; seq++ {
			part, _, _ := s.where.get(seq)
			c.RetentionBy = growTo(c.RetentionBy, int(part))
			c.RetentionBy[part]++
			if seq == sp.hi {
				break
			}
		}
	}
}

// oneSpan yields a single span.
type oneSpan struct {
	sp   span
	done bool
}

func (o *oneSpan) next() (span, bool) {
	if o.done {
		return span{}, false
	}
	o.done = true
	return o.sp, true
}
