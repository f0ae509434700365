package scenarios

import (
	"context"
	"fmt"
	"os/exec"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaosrun/chaosrun/assertions"
	"github.com/chaosrun/chaosrun/capacity"
	"github.com/chaosrun/chaosrun/clientconf"
	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/harness/process"
	"github.com/chaosrun/chaosrun/javaclient"
	"github.com/chaosrun/chaosrun/kafkaconn"
	"github.com/chaosrun/chaosrun/load"
	"github.com/chaosrun/chaosrun/orders"
)

// BenchmarkProducerVsPerfTest measures our producer, every send verified by
// the ledger, against Kafka's own kafka-producer-perf-test on the same
// cluster, settings and record size, in the same run: the machine is shared
// and noisy, so only the ratio means something. Run it with
//
//	go test -run '^$' -bench ProducerVsPerfTest -benchtime 1x ./scenarios/
func BenchmarkProducerVsPerfTest(b *testing.B) {
	const records, size = 200000, 256
	libs, boot := benchCluster(b)
	// Warm the brokers' JIT first, so neither contender pays for it.
	createTopics(b, boot, "warmup")
	perfTest(b, libs, boot, "warmup", records, size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		perfTopic, ourTopic := fmt.Sprintf("perf-%d", i), fmt.Sprintf("ours-%d", i)
		createTopics(b, boot, perfTopic, ourTopic)
		ours := ourProducer(b, boot, ourTopic, records, size)
		// Same bytes per record for both: ours carry a key and identity headers.
		wire := wireSize(b, boot, ourTopic)
		perf := perfTest(b, libs, boot, perfTopic, records, wire)
		b.ReportMetric(float64(wire), "record_bytes")
		b.ReportMetric(perf, "perftest_rec/s")
		b.ReportMetric(ours, "chaosrun_rec/s")
		b.ReportMetric(ours/perf, "ratio")
	}
}

// BenchmarkJavaProducerVsPerfTest measures the Java workload (client: java:
// our schedule and ledger, sends through a producer process on the Apache
// Kafka Java client) against kafka-producer-perf-test, and our franz-go
// producer beside them, on the same cluster in the same run.
//
//	go test -run '^$' -bench JavaProducerVsPerfTest -benchtime 1x ./scenarios/
func BenchmarkJavaProducerVsPerfTest(b *testing.B) {
	const records, size = 200000, 256
	libs, boot := benchCluster(b)
	prog := javaProgram(b, libs)
	createTopics(b, boot, "warmup", "warmup-java")
	perfTest(b, libs, boot, "warmup", records, size)
	javaProducerRate(b, prog, boot, "warmup-java", records/4, size) // the brokers' JIT; each client JVM warms itself
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		perfTopic, javaTopic, franzTopic := fmt.Sprintf("perf-%d", i), fmt.Sprintf("java-%d", i), fmt.Sprintf("franz-%d", i)
		createTopics(b, boot, perfTopic, javaTopic, franzTopic)
		java := javaProducerRate(b, prog, boot, javaTopic, records, size)
		franz := ourProducer(b, boot, franzTopic, records, size)
		wire := wireSize(b, boot, javaTopic)
		perf := perfTest(b, libs, boot, perfTopic, records, wire)
		b.ReportMetric(float64(wire), "record_bytes")
		b.ReportMetric(perf, "perftest_rec/s")
		b.ReportMetric(java, "java_rec/s")
		b.ReportMetric(franz, "franzgo_rec/s")
		b.ReportMetric(java/perf, "java_ratio")
		b.ReportMetric(franz/perf, "franzgo_ratio")
	}
}

// javaProgram builds the Java workload's client against libs.
func javaProgram(b *testing.B, libs string) javaclient.Program {
	b.Helper()
	cache, err := harness.CacheDir()
	if err != nil {
		b.Fatal(err)
	}
	prog, err := javaclient.Build(context.Background(), libs, harness.DefaultKafkaVersion, cache)
	if err != nil {
		b.Skip(err) // no JDK here
	}
	return prog
}

// javaProducerRate is ourProducer on the Java client (acks=all, the rest
// the Java client's defaults).
func javaProducerRate(b *testing.B, prog javaclient.Program, boot []string, topic string, records, size int) float64 {
	return measureProduce(b, boot, topic, records, size, clientconf.ProducerConfig{Acks: "all"}, func(ps *load.ProduceSpec) {
		ps.Java = &clientconf.JavaClient{Program: prog, Bootstrap: boot, Producer: map[string]string{"acks": "all"}}
	})
}

// benchCluster starts a 3-node cluster of local JVMs for a benchmark,
// closed when it ends, and returns Kafka's jars and its bootstrap.
func benchCluster(b *testing.B) (libs string, boot []string) {
	b.Helper()
	if _, err := exec.LookPath("java"); err != nil {
		b.Skip("java is not installed")
	}
	ctx := context.Background()
	libs, err := harness.KafkaLibs(ctx, harness.DefaultKafkaVersion, b.Logf)
	if err != nil {
		b.Fatal(err)
	}
	rt, err := process.New(process.Options{Version: harness.DefaultKafkaVersion, LibsDir: libs,
		RunOptions: harness.RunOptions{RunID: fmt.Sprintf("bench-%d", time.Now().UnixNano()), Logf: b.Logf}})
	if err != nil {
		b.Fatal(err)
	}
	cluster, err := harness.Start(ctx, rt, harness.Config{Nodes: 3, Logf: b.Logf})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cluster.Close(context.Background()) })
	return libs, cluster.Bootstrap()
}

func createTopics(b *testing.B, boot []string, topics ...string) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(boot...))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	if _, err := kadm.NewClient(cl).CreateTopics(context.Background(), 6, 3, nil, topics...); err != nil {
		b.Fatal(err)
	}
	time.Sleep(2 * time.Second) // leaders elected
}

// wireSize reads one of our records back: key + value + header bytes.
func wireSize(b *testing.B, boot []string, topic string) int {
	cl, err := kgo.NewClient(kgo.SeedBrokers(boot...), kgo.ConsumeTopics(topic))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		if rs := cl.PollRecords(ctx, 1).Records(); len(rs) > 0 {
			n := len(rs[0].Key) + len(rs[0].Value)
			for _, h := range rs[0].Headers {
				n += len(h.Key) + len(h.Value)
			}
			return n
		}
	}
	b.Fatal("could not read a record back")
	return 0
}

// perfTest runs Kafka's ProducerPerformance (kafka-producer-perf-test) with
// acks=all, the same defaults our producer takes from the Java client.
func perfTest(b *testing.B, libs string, boot []string, topic string, records, size int) float64 {
	p, err := capacity.ProducerPerfTest(context.Background(), libs, boot, topic, records, size, map[string]string{"acks": "all"})
	if err != nil {
		b.Fatal(err)
	}
	return p.RecordsPer
}

// BenchmarkTransactionalVsPlain measures the transactional workload
// (transactions of 10, 100 and 1000 records, none aborted; 200 transactions
// or 100k records each) against the plain idempotent one (100k records) on
// the same cluster in the same run: the price of a commit per transaction,
// as records acked (committed) per second.
//
//	go test -run '^$' -bench TransactionalVsPlain -benchtime 1x ./scenarios/
func BenchmarkTransactionalVsPlain(b *testing.B) {
	const records, size = 100000, 256
	_, boot := benchCluster(b)
	createTopics(b, boot, "warmup")
	ourProducer(b, boot, "warmup", records, size) // JIT warm-up, not measured
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		plainTopic := fmt.Sprintf("plain-%d", i)
		createTopics(b, boot, plainTopic)
		plain := ourProducer(b, boot, plainTopic, records, size)
		b.ReportMetric(plain, "plain_rec/s")
		for _, n := range []int{10, 100, 1000} {
			topic := fmt.Sprintf("txn%d-%d", n, i)
			createTopics(b, boot, topic)
			// 200 transactions at most: each costs a commit round (~80 ms
			// measured on 2 cores), so small ones take long to send 100k.
			txn := producerRate(b, boot, topic, min(records, 200*n), size, []clientconf.Setting{{Key: "transactional.id", Value: topic}},
				&load.Transactions{Records: n})
			b.ReportMetric(txn, fmt.Sprintf("txn%d_rec/s", n))
			b.ReportMetric(txn/plain, fmt.Sprintf("txn%d_ratio", n))
		}
	}
}

// ourProducer sends the same number of records as fast as the client takes
// them (an open-model schedule far above capacity), with every outcome
// recorded in a ledger, and returns records acked per second.
func ourProducer(b *testing.B, boot []string, topic string, records, size int) float64 {
	return producerRate(b, boot, topic, records, size, []clientconf.Setting{{Key: "acks", Value: "all"}}, nil)
}

// producerRate is ourProducer with producer settings and, when txn is set,
// transactions.
func producerRate(b *testing.B, boot []string, topic string, records, size int, settings []clientconf.Setting,
	txn *load.Transactions) float64 {
	cfg, bad := clientconf.ProducerOptions(settings)
	if bad != nil {
		b.Fatal(bad)
	}
	return measureProduce(b, boot, topic, records, size, cfg, func(ps *load.ProduceSpec) { ps.Transactions = txn })
}

// measureProduce sends records as fast as the client takes them (an
// open-model schedule far above capacity), every outcome recorded in a
// ledger, and returns records acked per second; with sets the spec apart.
func measureProduce(b *testing.B, boot []string, topic string, records, size int, cfg clientconf.ProducerConfig,
	with func(*load.ProduceSpec)) float64 {
	const rate = 10_000_000
	ps := load.ProduceSpec{Topic: topic, Rate: rate, Producers: 1,
		Duration: time.Duration(records) * time.Second / rate, Key: orders.KeyOrder, Merchants: 100,
		MessageSize: size, Seed: 1, Identity: orders.Identity{Run: "bench", Env: "prod"}, Config: cfg}
	with(&ps)
	ledger := assertions.NewLedger("bench", "prod", time.Now(), assertions.Criteria{})
	start := time.Now()
	_, err := load.Produce(context.Background(), kafkaconn.Local(boot), ps, ledger)
	took := time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	c := assertions.Verify(ledger, assertions.Criteria{}).Counts
	if c.Acked != int64(records) {
		b.Fatalf("acked %d of %d", c.Acked, records)
	}
	return float64(c.Acked) / took.Seconds()
}
