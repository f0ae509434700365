package reports

import (
	"time"

	"github.com/chaosrun/chaosrun/assertions"
	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/result"
)

// fixture is a fixed, judged Result touching every field the renderers use.
// Its latency blobs are literals so golden files do not depend on zlib output.
func fixture() *result.Result {
	start := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	r := &result.Result{
		Schema:       result.Schema,
		Scenario:     "consumer-crash",
		Description:  "Kill a consumer mid-batch; auto-commit must lose records.",
		File:         "scenarios/negative/consumer-crash.yaml",
		RunID:        "r-20250314-092653",
		Seed:         42,
		Runtime:      "process",
		KafkaVersion: "3.9.0",
		StartedAt:    start,
		EndedAt:      start.Add(95*time.Second + 420*time.Millisecond),
		Cluster: result.Cluster{
			Nodes:       []int32{1, 2, 3},
			Controllers: []int32{1, 2, 3},
			BrokerConfig: map[int32]map[string]string{
				1: {"min.insync.replicas": "2", "unclean.leader.election.enable": "false"},
				2: {"min.insync.replicas": "2", "unclean.leader.election.enable": "false"},
				3: {"min.insync.replicas": "2", "unclean.leader.election.enable": "false"},
			},
		},
		Topics: []result.Topic{{
			Name: "orders", Partitions: 3, ReplicationFactor: 3,
			Config:     map[string]string{"min.insync.replicas": "2"},
			Assignment: [][]int32{{1, 2, 3}, {2, 3, 1}, {3, 1, 2}},
		}},
		Workload: result.Workload{
			Rate: 500, Producers: 2, Duration: 60, KeyMode: "order",
			MessageSize: 256, Topic: "orders", Env: "prod", Consumers: 2, Workers: 4,
		},
		Producer: map[string]string{"acks": "all", "enable.idempotence": "true"},
		Consumer: map[string]string{"enable.auto.commit": "true", "group.id": "orders-processor"},
		Timeline: []result.TimelineEntry{
			{At: start.Add(12300 * time.Millisecond), T: 12.3, Fault: "consumer-kill", Action: result.ActionInject, Target: "consumer 1", Detail: "SIGKILL"},
			{At: start.Add(42 * time.Second), T: 42.0, Fault: "consumer-kill", Action: result.ActionHeal, Target: "consumer 1", Error: "restart timed out after 10s"},
		},
		SinkWrites:     &result.SinkWrites{Statements: 1200, Rows: 29963},
		ConsumerErrors: []result.ErrorSpan{{Error: "commit: the member was fenced", Count: 3, First: 12.9, Last: 14.1}},
		Counts: ledger.Counts{
			Sent: 30000, Acked: 30000, Late: 3, Processed: 29963, InLog: 30000,
			LostConsumer: 37, Duplicates: 4,
		},
		Assertions: []assertions.Verdict{
			{Name: "no-kafka-loss", Passed: true, Summary: "all 30000 acked sends are in the log", Enforced: true},
			{Name: "no-consumer-loss", Passed: false, Summary: "37 acked records were never processed", Count: 37,
				First: []string{"0/1201", "0/1202", "1/877"}, Details: []string{"partition 0: 25 lost", "partition 2: 12 lost"}, Enforced: true},
			{Name: "per-key-order", Passed: true, Summary: "steps of every order processed in order", Enforced: true},
			{Name: "no-duplicates", Passed: false, Summary: "4 records processed more than once", Count: 4,
				First: []string{"1/5001"}, Enforced: false},
		},
		Latency: map[string]result.Latency{
			"produce_ack":           {Count: 30000, P50: 2.1, P90: 4.35, P99: 11.2, P999: 48.1, Max: 120.5, HDR: "HISTFAAAADB42pJpmSzMwMDAwwABzFCaEcyZ3M5g/wEi0C/DtJCF5bgA02YfJkAAAAD//4iaBtM="},
			"e2e_from_intended":     {Count: 29963, P50: 5.5, P90: 9.8, P99: 1210, P999: 9800.25, Max: 12001},
			"e2e_from_sent":         {Count: 29963, P50: 5.4, P90: 9.7, P99: 1209, P999: 9799.5, Max: 12000},
			result.SinkWriteLatency: {Count: 1200, P50: 1.2, P90: 2.5, P99: 8, P999: 40, Max: 51},
		},
		Lag: []ledger.LagPoint{
			{At: start.Add(10 * time.Second), Partition: 0, Offsets: 0, Seconds: 0},
			{At: start.Add(20 * time.Second), Partition: 0, Offsets: 4200, Seconds: 8.4},
			{At: start.Add(20 * time.Second), Partition: 1, Offsets: 12, Seconds: 0.02},
			{At: start.Add(30 * time.Second), Partition: 0, Offsets: 1800, Seconds: 9.1},
			{At: start.Add(30 * time.Second), Partition: 2, Offsets: 0, Seconds: 0},
		},
		Phases: []result.Phase{
			{Name: "1: steady 500/s 30s", Began: start, Ended: start.Add(30 * time.Second), Sent: 15000, Acked: 15000,
				Throughput: 500.2, MaxAckGap: 0.051, ProduceAck: result.Latency{Count: 15000, P50: 2, P99: 9.5},
				E2E: result.Latency{Count: 15000, P50: 5, P99: 20.25}},
			{Name: "2: flood 15000 records", Began: start.Add(30 * time.Second), Ended: start.Add(31 * time.Second), T: 30,
				Sent: 15000, Acked: 15000, Throughput: 14210, MaxAckGap: 0.012, ProduceAck: result.Latency{Count: 15000, P50: 40, P99: 310},
				E2E: result.Latency{Count: 14963, P50: 4000, P99: 12000}},
		},
		Recoveries: []result.Recovery{
			{What: "consumer-kill consumer 1", Kind: "fault", From: start.Add(12300 * time.Millisecond), To: start.Add(42 * time.Second),
				LagLevel: 12, FirstAck: ptr(0.004), LagBack: nil},
			{What: "2: flood 15000 records", Kind: "flood", From: start.Add(30 * time.Second), To: start.Add(31 * time.Second),
				LagLevel: 30, LagBack: ptr(17.5)},
		},
		Group: &result.Group{Rebalances: 2, UnownedS: []float64{0.5, 0, 29.7}, Changes: []result.OwnershipChange{
			{At: start.Add(-2 * time.Second), T: -2, Member: 0, Kind: "assigned", Generation: 1, Partitions: []int32{0, 1, 2}},
			{At: start.Add(12300 * time.Millisecond), T: 12.3, Member: 1, Kind: "lost", Generation: 2, Partitions: []int32{2}},
		}},
		Expect: result.Expectation{Verdict: result.VerdictFail, Failing: []string{"no-consumer-loss"}},
	}
	r.Judge()
	return r
}

func ptr(f float64) *float64 { return &f }
