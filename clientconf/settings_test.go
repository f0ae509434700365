package clientconf

import (
	"strings"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/internal/problem"
)

func TestProducerOptions(t *testing.T) {
	cases := []struct {
		name     string
		in       []Setting
		wantErr  string // substring; empty: no error
		wantIdem bool
		wantAcks string
	}{
		{"defaults follow the Java client", nil, "", true, "all"},
		{"acks=1 turns idempotence off silently, as in Java", []Setting{{"acks", "1"}}, "", false, "1"},
		{"acks=-1 is all", []Setting{{"acks", "-1"}}, "", true, "all"},
		{"explicit idempotence with acks=1", []Setting{{"acks", "1"}, {"enable.idempotence", "true"}}, "needs acks=all", false, ""},
		{"idempotence with too many in flight", []Setting{{"max.in.flight.requests.per.connection", "6"}, {"enable.idempotence", "true"}}, "<= 5", false, ""},
		{"more than 5 in flight turns default idempotence off", []Setting{{"max.in.flight.requests.per.connection", "6"}}, "", false, "all"},
		{"unknown name", []Setting{{"ackz", "all"}}, "unknown setting", false, ""},
		{"unsupported name", []Setting{{"key.serializer", "x"}}, "not supported", false, ""},
		{"transactional.id makes the producer idempotent", []Setting{{"transactional.id", "tx"}}, "", true, "all"},
		{"transactional.id with idempotence off", []Setting{{"transactional.id", "tx"}, {"enable.idempotence", "false"}}, "is idempotent", false, ""},
		{"transactional.id with acks=1", []Setting{{"transactional.id", "tx"}, {"acks", "1"}}, "needs acks=all", false, ""},
		{"transactional.id with retries=0", []Setting{{"transactional.id", "tx"}, {"retries", "0"}}, "needs retries > 0", false, ""},
		{"empty transactional.id", []Setting{{"transactional.id", ""}}, "must not be empty", false, ""},
		{"bad number", []Setting{{"linger.ms", "soon"}}, "want an integer", false, ""},
		{"negative number", []Setting{{"batch.size", "0"}}, "want an integer >= 1", false, ""},
		{"bad bool", []Setting{{"enable.idempotence", "yes"}}, "want true or false", false, ""},
		{"bad compression", []Setting{{"compression.type", "brotli"}}, "want none, gzip", false, ""},
		{"twice", []Setting{{"acks", "all"}, {"acks", "1"}}, "set twice", false, ""},
		{"retries=0 turns default idempotence off", []Setting{{"retries", "0"}}, "", false, "all"},
		{"retries=0 with explicit idempotence", []Setting{{"retries", "0"}, {"enable.idempotence", "true"}}, "needs retries > 0", false, ""},
		{"in-flight franz-go would not honour", []Setting{{"max.in.flight.requests.per.connection", "1"}}, "always keeps 5", false, ""},
		{"in-flight 1 without idempotence", []Setting{{"max.in.flight.requests.per.connection", "1"}, {"enable.idempotence", "false"}}, "", false, "all"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, bad := ProducerOptions(c.in)
			if c.wantErr != "" {
				if len(bad) != 1 || !strings.Contains(bad[0].Msg, c.wantErr) || bad[0].Field == "" {
					t.Fatalf("want one problem at a setting containing %q, got %v", c.wantErr, bad)
				}
				return
			}
			if bad != nil {
				t.Fatal(bad)
			}
			if cfg.Idempotent != c.wantIdem || cfg.Acks != c.wantAcks {
				t.Errorf("idempotent=%v acks=%s, want %v %s", cfg.Idempotent, cfg.Acks, c.wantIdem, c.wantAcks)
			}
			if cfg.Resolved["linger.ms"] == "" || cfg.Resolved["enable.idempotence"] == "" {
				t.Errorf("resolved config misses defaults: %v", cfg.Resolved)
			}
		})
	}
}

func TestEveryBadSettingIsReported(t *testing.T) {
	_, bad := ProducerOptions([]Setting{{"ackz", "1"}, {"linger.ms", "x"}, {"acks", "most"}})
	if len(bad) != 3 || bad[0].Field != "ackz" || bad[1] != (problem.Problem{Field: "linger.ms", Msg: "want an integer"}) ||
		bad[2] != (problem.Problem{Field: "acks", Msg: "want all, -1, 1 or 0"}) {
		t.Fatalf("want 3 problems, each at its setting, got %v", bad)
	}
}

func TestConsumerOptions(t *testing.T) {
	cfg, err := ConsumerOptions(nil)
	if err != nil || cfg.AutoCommit || cfg.MaxPollRecords != 500 {
		t.Fatalf("defaults: %+v %v", cfg, err)
	}
	cfg, err = ConsumerOptions([]Setting{{"enable.auto.commit", "true"}, {"max.poll.records", "50"}})
	if err != nil || !cfg.AutoCommit || cfg.MaxPollRecords != 50 {
		t.Fatalf("naive mode: %+v %v", cfg, err)
	}
	cfg, err = ConsumerOptions([]Setting{{"enable.auto.commit", "true"}, {"auto.commit.interval.ms", "100"}})
	if err != nil || cfg.AutoCommitInterval != 100*time.Millisecond {
		t.Fatalf("auto.commit.interval.ms: %+v %v", cfg, err)
	}
	if cfg, _ := ConsumerOptions(nil); cfg.AutoCommitInterval != 5*time.Second {
		t.Errorf("auto.commit.interval.ms defaults to %v, want the Java client's 5s", cfg.AutoCommitInterval)
	}
	for _, bad := range [][]Setting{
		{{"auto.commit.interval.ms", "-1"}},
		{{"auto.offset.reset", "middle"}},
		{{"partition.assignment.strategy", "best"}},
		{{"group.id", "g"}},
		{{"session.timeout.ms", "-1"}},
	} {
		if _, err := ConsumerOptions(bad); err == nil {
			t.Errorf("%v: want an error", bad)
		}
	}
}

func TestJavaBackoff(t *testing.T) {
	b := javaBackoff(100*time.Millisecond, time.Second)
	for tries, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 9: time.Second} {
		if got := b(tries); got < want*8/10 || got > want*12/10 {
			t.Errorf("try %d: %v, want %v ± 20%%", tries, got, want)
		}
	}
}
