package ledger

import "github.com/chaosrun/chaosrun/internal/seqset"

// ExportSchema identifies the layout of an exported ledger.
const ExportSchema = "chaosrun.ledger/v1"

// Export is the ledger's claims in a form an independent reader can check
// against the log: for every producer, where each acked record landed, and
// which records failed, stayed unknown, and were processed. A record is
// known in the log by its headers run, producer and seq (decimal text).
type Export struct {
	Schema    string           `json:"schema"`
	Run       string           `json:"run_id"`
	Env       string           `json:"env"`
	Topic     string           `json:"topic"`
	Producers []ProducerExport `json:"producers"`
}

// ProducerExport is one producer's records, as ranges.
type ProducerExport struct {
	Producer uint32 `json:"producer"`
	// Acked are runs [seq, partition, offset, count]: seqs seq..seq+count-1
	// were acked at offsets offset..offset+count-1 of partition. Partition
	// and offset are -1 where the ack's position was not kept.
	Acked [][4]int64 `json:"acked"`
	// Failed, Unknown and Processed are inclusive seq ranges [from, to].
	Failed    [][2]uint64 `json:"failed"`
	Unknown   [][2]uint64 `json:"unknown"`
	Processed [][2]uint64 `json:"processed"`
	// Aborted are sends of aborted transactions (transactional producers
	// only): in the log, invisible to read_committed readers.
	Aborted [][2]uint64 `json:"aborted,omitempty"`
}

// Export returns what the ledger holds for topic. Positions are complete
// only when TrackPositions or KeepPositions was called before the first ack.
func (l *Ledger) Export(topic string) Export {
	out := Export{Schema: ExportSchema, Run: l.run, Env: l.env, Topic: topic, Producers: []ProducerExport{}}
	l.prodMu.Lock()
	l.consMu.Lock()
	defer l.consMu.Unlock()
	defer l.prodMu.Unlock()
	n := max(len(l.prod.senders), len(l.cons.processed))
	for p := range n {
		s, proc := l.prod.sender(p), l.cons.processed.Get(p)
		if s == nil && proc == nil {
			continue
		}
		pe := ProducerExport{Producer: uint32(p), Acked: [][4]int64{}, Processed: ranges(proc)}
		if s != nil {
			pe.Acked = ackRuns(s)
			pe.Failed, pe.Unknown = ranges(&s.failed), ranges(&s.unknown)
			if s.aborted.Count() > 0 {
				pe.Aborted = ranges(&s.aborted)
			}
		} else {
			pe.Failed, pe.Unknown = [][2]uint64{}, [][2]uint64{}
		}
		out.Producers = append(out.Producers, pe)
	}
	return out
}

// ranges is a set as inclusive ranges.
func ranges(s *seqset.Set) [][2]uint64 {
	out := [][2]uint64{}
	r := seqset.RunsOf(s)
	for sp, ok := r.Next(); ok; sp, ok = r.Next() {
		out = append(out, [2]uint64{sp.Lo, sp.Hi})
	}
	return out
}

// ackRuns joins acked seqs that landed one after another in one partition.
func ackRuns(s *sends) [][4]int64 {
	out := [][4]int64{}
	r := seqset.RunsOf(&s.acked)
	for sp, ok := r.Next(); ok; sp, ok = r.Next() {
		for seq := sp.Lo; seq <= sp.Hi; seq++ {
			part, off, known := s.where.Get(seq)
			if !known {
				part, off = -1, -1
			}
			if k := len(out) - 1; k >= 0 {
				last := &out[k]
				next := last[0] + last[3]
				if int64(seq) == next && int64(part) == last[1] && (off == -1 && last[2] == -1 || off == last[2]+last[3]) {
					last[3]++
					continue
				}
			}
			out = append(out, [4]int64{int64(seq), int64(part), off, 1})
		}
	}
	return out
}
