package result

import (
	"slices"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/chaosrun/chaosrun/assertions"
	"github.com/chaosrun/chaosrun/ledger"
)

// Schema identifies the version of the Result layout. Bump it on any change
// that makes an older reader misread a file.
const Schema = "chaosrun.result/v1"

// Verdicts a run can end with.
const (
	VerdictPass  = "pass"
	VerdictFail  = "fail"
	VerdictError = "error" // the harness or the infrastructure failed; nothing was judged
)

// Result is everything known about one run: what was asked, what happened and
// how it was judged.
type Result struct {
	Schema      string `json:"schema"`
	Scenario    string `json:"scenario"`
	Description string `json:"description,omitempty"`
	File        string `json:"file,omitempty"` // scenario file the run was read from
	RunID       string `json:"run_id"`
	Seed        uint64 `json:"seed"`
	Runtime     string `json:"runtime"` // "process" or "docker"
	// RuntimeReason says why that runtime ran (asked for, or what auto found).
	RuntimeReason string    `json:"runtime_reason,omitempty"`
	KafkaVersion  string    `json:"kafka_version"`
	StartedAt     time.Time `json:"started_at"`
	EndedAt       time.Time `json:"ended_at"`

	// Overrides are settings applied on top of the scenario file (a gate's
	// --set or properties file), each with where it was written.
	Overrides []string `json:"overrides,omitempty"`
	// LedgerExport is the file the run's ledger was exported to, if any.
	LedgerExport string `json:"ledger_export,omitempty"`

	Cluster  Cluster           `json:"cluster"`
	Topics   []Topic           `json:"topics"`
	Workload Workload          `json:"workload"`
	Producer map[string]string `json:"producer_config"` // Java client names, as given plus resolved defaults
	Consumer map[string]string `json:"consumer_config"` // Java client names, as given plus resolved defaults
	Timeline []TimelineEntry   `json:"timeline"`

	Counts ledger.Counts `json:"counts"`
	// SinkOrders is how many orders the kitchen display's database holds at
	// the end: evidence that processing really wrote somewhere.
	SinkOrders int64 `json:"sink_orders"`
	// KitchenDB says which database the kitchen display wrote to, and where
	// (never with a password).
	KitchenDB string `json:"kitchen_db,omitempty"`
	// OrderService counts what the order service answered, when the kitchen
	// display looked orders up (requests, complete, partial, overloaded...).
	OrderService map[string]int64      `json:"order_service,omitempty"`
	Assertions   []assertions.Verdict  `json:"assertions"`
	Latency      map[string]Latency    `json:"latency"` // keyed like the histograms: produce_ack, e2e_from_intended, e2e_from_sent
	Lag          []ledger.LagPoint     `json:"lag"`
	AckSeries    []ledger.LatencyPoint `json:"produce_ack_series,omitempty"` // produce-ack latency per second
	// E2ESeries is end-to-end latency from the intended send time per second
	// processed (count: records processed that second); SentSeries counts
	// sends per second of their send time.
	E2ESeries  []ledger.LatencyPoint `json:"e2e_series,omitempty"`
	SentSeries []ledger.CountPoint   `json:"sent_series,omitempty"`
	// Phases are the load phases, when the workload declared them.
	Phases []Phase `json:"phases,omitempty"`
	// Recoveries are every fault and flood and how the run came back from it.
	Recoveries []Recovery `json:"recoveries,omitempty"`
	// Group is the consumer group's membership during the run.
	Group *Group `json:"group,omitempty"`
	// SinkWrites counts the kitchen database's successful writes; their
	// latency per statement is Latency[SinkWriteLatency].
	SinkWrites *SinkWrites `json:"sink_writes,omitempty"`
	// ConsumerErrors are the kitchen display's errors (fetch, commit, sink,
	// lookup), each with when it was first and last seen.
	ConsumerErrors []ErrorSpan `json:"consumer_errors,omitempty"`
	// ProducerErrors are the producers' errors, each distinct one with its
	// count and when it was first and last seen (the Java client's with
	// their numbers as N).
	ProducerErrors []ErrorSpan `json:"producer_errors,omitempty"`

	Verdict        string      `json:"verdict"` // VerdictPass, VerdictFail or VerdictError; set by Judge
	Expect         Expectation `json:"expect"`
	ExpectationMet bool        `json:"expectation_met"` // set by Judge
	Error          string      `json:"error,omitempty"` // harness or infrastructure error, if any

	// Path is where the result was written or read; not part of the record.
	Path string `json:"-"`
}

// Cluster describes the Kafka cluster the run used.
type Cluster struct {
	Nodes       []int32 `json:"nodes"`       // broker node ids
	Controllers []int32 `json:"controllers"` // controller node ids (may overlap Nodes in combined mode)
	// BrokerConfig is each node's effective broker configuration.
	BrokerConfig map[int32]map[string]string `json:"broker_config,omitempty"`
	// External is set when the run attached to a cluster it did not start.
	External *External `json:"external,omitempty"`
}

// External is an existing cluster a run attached to, as it may be shown:
// credentials never appear, only where they were read from.
type External struct {
	Bootstrap []string          `json:"bootstrap"`
	Security  string            `json:"security"`         // security.protocol, and the SASL mechanism
	Config    map[string]string `json:"config,omitempty"` // the security settings, secrets redacted
	Hooks     []string          `json:"hooks,omitempty"`  // the hook actions configured
	// Topics and Groups are what the run created under its own names, and
	// Kept says they were left for inspection (--keep) instead of deleted.
	Topics []string `json:"topics"`
	Groups []string `json:"groups"`
	Kept   bool     `json:"kept,omitempty"`
	// Leftovers are what the run could not delete, with why.
	Leftovers []string `json:"leftovers,omitempty"`
}

// Topic describes one topic as created for the run.
type Topic struct {
	Name              string            `json:"name"`
	Partitions        int32             `json:"partitions"`
	ReplicationFactor int16             `json:"replication_factor"`
	Config            map[string]string `json:"config,omitempty"`
	// Assignment lists the replica node ids per partition, when one was given.
	Assignment [][]int32 `json:"assignment,omitempty"`
}

// Workload describes the order workload that was driven.
type Workload struct {
	Rate        float64  `json:"rate"`             // messages per second over all producers (0 with phases)
	Phases      []string `json:"phases,omitempty"` // the load shape, when phases were given
	Producers   int      `json:"producers"`
	Duration    float64  `json:"duration_s"` // seconds the producers ran for
	KeyMode     string   `json:"key_mode"`
	MessageSize int      `json:"message_size"` // bytes
	Topic       string   `json:"topic"`
	Env         string   `json:"env"`
	Consumers   int      `json:"consumers"`
	Workers     int      `json:"workers"` // processing workers per consumer
	// Client is the Kafka client producers and kitchen display ran on:
	// "franz-go" or "java <version>" (the Apache Kafka Java client).
	Client string `json:"client,omitempty"`
	// ClientNotes say where the client behaves unlike the Java client for a
	// setting the scenario uses (franz-go only).
	ClientNotes []string `json:"client_notes,omitempty"`
}

// Phase is one load phase as it ran.
type Phase struct {
	Name       string    `json:"name"`
	Began      time.Time `json:"began"`
	Ended      time.Time `json:"ended"` // its last record handed to a producer's client
	T          float64   `json:"t"`     // seconds since the workload started
	Sent       int64     `json:"sent"`
	Acked      int64     `json:"acked"`
	Throughput float64   `json:"acks_per_s"`
	MaxAckGap  float64   `json:"max_ack_gap_s"`
	ProduceAck Latency   `json:"produce_ack"`
	E2E        Latency   `json:"e2e_from_intended"`
}

// Recovery is one fault or flood and how the run came back from it.
type Recovery struct {
	What     string    `json:"what"`
	Kind     string    `json:"kind"` // fault or flood
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	LagLevel int64     `json:"lag_level"` // total offsets behind before it (highest of the 5 s before)
	// Seconds from its end; null: never within the run.
	FirstAck *float64 `json:"first_ack_after_s"`
	LagBack  *float64 `json:"lag_back_after_s"`
	// Before, During and After are the figures of the windows around it:
	// as long as it lasted (at least 10 s) before it, while it lasted, and
	// as long after it ended; nil where the run has no second of it.
	Before *WindowFigures `json:"before,omitempty"`
	During *WindowFigures `json:"during,omitempty"`
	After  *WindowFigures `json:"after,omitempty"`
}

// WindowFigures are throughput and latency over a window of whole seconds
// (From and To, seconds since StartedAt, are its first second's start and
// its end), read from the per-second series: rates are means over the
// window, p50 the
// median of the seconds' p50s, p99 the worst second's p99 (per-second
// percentiles cannot be merged exactly).
type WindowFigures struct {
	From          float64 `json:"from_t"` // seconds since StartedAt
	To            float64 `json:"to_t"`
	AcksPerS      float64 `json:"acks_per_s"`
	ProcessedPerS float64 `json:"processed_per_s"`
	AckP50        float64 `json:"produce_ack_p50_ms"`
	AckP99        float64 `json:"produce_ack_p99_worst_second_ms"`
	E2EP99        float64 `json:"e2e_p99_worst_second_ms"`
}

// NamedWindow is one of a recovery's windows with its name.
type NamedWindow struct {
	Name string
	*WindowFigures
}

// Windows are the recovery's before, during and after figures that exist,
// in that order.
func (rc Recovery) Windows() []NamedWindow {
	var out []NamedWindow
	for _, w := range []NamedWindow{{"before", rc.Before}, {"during", rc.During}, {"after", rc.After}} {
		if w.WindowFigures != nil {
			out = append(out, w)
		}
	}
	return out
}

// minWindow is the shortest before/after window around a disturbance.
const minWindow = 10 * time.Second

// FillRecoveryWindows computes each recovery's before, during and after
// figures from the result's per-second series.
func (r *Result) FillRecoveryWindows() {
	end := r.StartedAt
	for _, p := range r.AckSeries {
		end = maxTime(end, p.At.Add(time.Second))
	}
	for _, p := range r.E2ESeries {
		end = maxTime(end, p.At.Add(time.Second))
	}
	for i := range r.Recoveries {
		rc := &r.Recoveries[i]
		to := rc.To
		if to.IsZero() { // never ended within the run: during lasts to its end
			to = end
		}
		span := max(to.Sub(rc.From), minWindow)
		rc.Before = r.Window(maxTime(rc.From.Add(-span), r.StartedAt), rc.From)
		rc.During = r.Window(rc.From, to)
		if !rc.To.IsZero() {
			rc.After = r.Window(to, minTime(to.Add(span), end))
		}
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Window sums the series' whole seconds that lie in [from, to): a second
// cut by a window's edge belongs to neither side.
func (r *Result) Window(from, to time.Time) *WindowFigures {
	lo, hi := from.Truncate(time.Second), to.Truncate(time.Second)
	if lo.Before(from) {
		lo = lo.Add(time.Second)
	}
	n := int64(hi.Sub(lo) / time.Second)
	if n < 1 {
		return nil
	}
	in := func(at time.Time) bool { return !at.Before(lo) && at.Before(hi) }
	w := &WindowFigures{From: lo.Sub(r.StartedAt).Seconds(), To: hi.Sub(r.StartedAt).Seconds()}
	var p50s []float64
	var acks, processed int64
	for _, p := range r.AckSeries {
		if in(p.At) {
			acks += p.Count
			p50s = append(p50s, p.P50)
			w.AckP99 = max(w.AckP99, p.P99)
		}
	}
	for _, p := range r.E2ESeries {
		if in(p.At) {
			processed += p.Count
			w.E2EP99 = max(w.E2EP99, p.P99)
		}
	}
	if len(p50s) > 0 {
		slices.Sort(p50s)
		w.AckP50 = p50s[len(p50s)/2]
	}
	w.AcksPerS, w.ProcessedPerS = float64(acks)/float64(n), float64(processed)/float64(n)
	return w
}

// Group is the consumer group's side of the run.
type Group struct {
	Rebalances int `json:"rebalances"` // group generations first seen during the workload
	// UnownedS is, per partition, the seconds it had no owner during the workload.
	UnownedS []float64         `json:"unowned_s"`
	Changes  []OwnershipChange `json:"changes"`
}

// OwnershipChange is one assignment, revocation or loss, as a member saw it.
type OwnershipChange struct {
	At         time.Time `json:"at"`
	T          float64   `json:"t"` // seconds since the workload started (negative: the group forming)
	Member     int       `json:"member"`
	Kind       string    `json:"kind"` // assigned, revoked, lost
	Generation int32     `json:"generation"`
	Partitions []int32   `json:"partitions"`
}

// GroupOf converts the ledger's group report.
func GroupOf(start time.Time, g ledger.GroupReport) *Group {
	out := &Group{Rebalances: g.Rebalances, UnownedS: []float64{}, Changes: []OwnershipChange{}}
	for _, d := range g.Unowned {
		out.UnownedS = append(out.UnownedS, d.Seconds())
	}
	for _, c := range g.Changes {
		out.Changes = append(out.Changes, OwnershipChange{At: c.At, T: c.At.Sub(start).Seconds(), Member: c.Member,
			Kind: c.Kind, Generation: c.Generation, Partitions: c.Partitions})
	}
	return out
}

// PhasesOf converts the ledger's phase reports.
func PhasesOf(start time.Time, ps []ledger.PhaseReport) []Phase {
	var out []Phase
	for _, p := range ps {
		out = append(out, Phase{Name: p.Name, Began: p.Began, Ended: p.Ended, T: p.Began.Sub(start).Seconds(),
			Sent: p.Sent, Acked: p.Acked, Throughput: p.Throughput, MaxAckGap: p.MaxAckGap.Seconds(),
			ProduceAck: LatencyOf(p.AckLatency), E2E: LatencyOf(p.E2E)})
	}
	return out
}

// RecoveriesOf converts the ledger's recoveries.
func RecoveriesOf(rs []ledger.Recovery) []Recovery {
	secs := func(d time.Duration) *float64 {
		if d < 0 {
			return nil
		}
		s := d.Seconds()
		return &s
	}
	var out []Recovery
	for _, r := range rs {
		kind := "fault"
		if r.Flood {
			kind = "flood"
		}
		out = append(out, Recovery{What: r.What, Kind: kind, From: r.From, To: r.To, LagLevel: r.LagLevel,
			FirstAck: secs(r.FirstAck), LagBack: secs(r.LagBack)})
	}
	return out
}

// Fault timeline actions.
const (
	ActionInject = "inject"
	ActionHeal   = "heal"
)

// SinkWrites counts the statements that wrote order rows, and the rows.
type SinkWrites struct {
	Statements int64 `json:"statements"`
	Rows       int64 `json:"rows"`
}

// SinkWriteLatency keys the kitchen database's write latency in
// Result.Latency (per statement, one row or a batch).
const SinkWriteLatency = "sink_write"

// ErrorSpan is one distinct error text: how often, and when first and last
// (seconds since Result.StartedAt; negative: before the workload began).
type ErrorSpan struct {
	Error string  `json:"error"`
	Count int64   `json:"count"`
	First float64 `json:"first_t"`
	Last  float64 `json:"last_t"`
}

// TimelineEntry records one fault injection or heal.
type TimelineEntry struct {
	At     time.Time `json:"at"`
	T      float64   `json:"t"`      // seconds since Result.StartedAt
	Fault  string    `json:"fault"`  // fault type, e.g. broker-kill
	Action string    `json:"action"` // ActionInject or ActionHeal
	Target string    `json:"target"`
	Detail string    `json:"detail,omitempty"`
	Error  string    `json:"error,omitempty"` // why the action failed, if it did
}

// Latency summarises one latency histogram. Values are milliseconds.
type Latency struct {
	Count int64   `json:"count"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	P999  float64 `json:"p999_ms"`
	Max   float64 `json:"max_ms"`
	// HDR is the full histogram (microseconds), base64 V2 compressed as
	// written by HdrHistogram's Java encoder, so any HdrHistogram tool can
	// reload it.
	HDR string `json:"hdr,omitempty"`
}

// Expectation is what the scenario says the run should end with.
type Expectation struct {
	Verdict string   `json:"verdict"`           // VerdictPass or VerdictFail; empty means pass
	Failing []string `json:"failing,omitempty"` // assertions that must fail when Verdict is fail
}

// MicrosPerMs converts the histograms' microseconds to milliseconds.
const MicrosPerMs = 1000.0

// LatencyOf summarises h, whose values are microseconds, and embeds its
// encoding. A nil histogram yields the zero Latency.
func LatencyOf(h *hdrhistogram.Histogram) Latency {
	if h == nil {
		return Latency{}
	}
	ms := func(q float64) float64 { return float64(h.ValueAtQuantile(q)) / MicrosPerMs }
	l := Latency{
		Count: h.TotalCount(),
		P50:   ms(50),
		P90:   ms(90),
		P99:   ms(99),
		P999:  ms(99.9),
		Max:   float64(h.Max()) / MicrosPerMs,
	}
	// Encoding a valid histogram cannot fail in practice; a summary without
	// the blob is still worth keeping if it ever does.
	if enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase); err == nil {
		l.HDR = string(enc)
	}
	return l
}
