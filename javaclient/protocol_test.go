package javaclient

import (
	"testing"
)

func TestParseOutcome(t *testing.T) {
	for _, c := range []struct {
		line string
		want Outcome
	}{
		{"a 17 3 4096", Outcome{Seq: 17, Kind: Acked, Partition: 3, Offset: 4096}},
		{"a 0 0 -1", Outcome{Seq: 0, Kind: Acked, Partition: 0, Offset: -1}}, // acks=0
		{"u 9 TimeoutException: Expiring 3 record(s)", Outcome{Seq: 9, Kind: Unknown, Err: "TimeoutException: Expiring 3 record(s)"}},
		{"f 12 BufferExhaustedException: full", Outcome{Seq: 12, Kind: Failed, Err: "BufferExhaustedException: full"}},
	} {
		got, err := parseOutcome([]byte(c.line))
		if err != nil || got != c.want {
			t.Errorf("%q: got %+v, %v; want %+v", c.line, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "a", "a x 1 2", "a 1 2", "x 1 2 3", "a1 2 3"} {
		if _, err := parseOutcome([]byte(bad)); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestParseOutcomeDoesNotAllocate(t *testing.T) {
	line := []byte("a 123456 5 987654321")
	if n := testing.AllocsPerRun(1000, func() { parseOutcome(line) }); n != 0 {
		t.Errorf("parsing an ack allocates %v times", n)
	}
}

func TestParseRecord(t *testing.T) {
	// key "42", value "{}", headers run=r1 and seq=7; a null key elsewhere.
	r, err := parseRecord("orders", []byte("r 2 99 ~NDI= ~e30= ~cnVu ~cjE= ~c2Vx ~Nw=="))
	if err != nil {
		t.Fatal(err)
	}
	if r.Topic != "orders" || r.Partition != 2 || r.Offset != 99 || string(r.Key) != "42" || string(r.Value) != "{}" ||
		len(r.Headers) != 2 || r.Headers[0].Key != "run" || string(r.Headers[0].Value) != "r1" || string(r.Headers[1].Value) != "7" {
		t.Errorf("got %+v", r)
	}
	r, err = parseRecord("orders", []byte("r 0 1 - ~"))
	if err != nil || r.Key != nil || r.Value == nil || len(r.Value) != 0 {
		t.Errorf("null key, empty value: %+v %v", r, err)
	}
	for _, bad := range []string{"r 0 1 -", "r x 1 - -", "r 0 1 - - ~cnVu", "r 0 1 ~!! -", "r 0 1 plain -", "q 0 1 - -"} {
		if _, err := parseRecord("orders", []byte(bad)); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestParseOwnership(t *testing.T) {
	e, err := parseOwnership("revoked", "7 0,3,5")
	if err != nil || e.Ownership != "revoked" || e.Generation != 7 || len(e.Partitions) != 3 || e.Partitions[2] != 5 {
		t.Errorf("got %+v, %v", e, err)
	}
	if _, err := parseOwnership("assigned", "x 1"); err == nil {
		t.Error("bad generation: want an error")
	}
}
