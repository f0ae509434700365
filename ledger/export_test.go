package ledger

import (
	"encoding/json"
	"testing"
	"time"
)

func TestExport(t *testing.T) {
	now := time.Now()
	l := New("r1", "prod", now, testStall)
	l.TrackPositions()
	// producer 0: seqs 0-2 in a row on partition 1, seq 3 elsewhere, seq 5 on 1 again.
	for i, where := range [][2]int64{{1, 10}, {1, 11}, {1, 12}, {0, 7}} {
		l.Acked(ID{Producer: 0, Seq: uint64(i)}, int32(where[0]), where[1], now, now, now)
	}
	l.Acked(ID{Producer: 0, Seq: 5}, 1, 13, now, now, now)
	l.Failed(ID{Producer: 0, Seq: 4}, now, now, now)
	l.Unknown(ID{Producer: 1, Seq: 0}, now, now, now)
	for _, seq := range []uint64{0, 1, 2, 5} {
		l.Processed(&Event{Producer: 0, Seq: seq, Run: "r1", Env: "prod", Order: seq, Step: StepCreated}, now)
	}
	got, _ := json.Marshal(l.Export("orders"))
	want := `{"schema":"chaosrun.ledger/v1","run_id":"r1","env":"prod","topic":"orders","producers":[` +
		`{"producer":0,"acked":[[0,1,10,3],[3,0,7,1],[5,1,13,1]],"failed":[[4,4]],"unknown":[],"processed":[[0,2],[5,5]]},` +
		`{"producer":1,"acked":[],"failed":[],"unknown":[[0,0]],"processed":[]}]}`
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// Without positions, acked runs still join, at partition and offset -1.
func TestExportWithoutPositions(t *testing.T) {
	now := time.Now()
	l := New("r1", "prod", now, testStall)
	for i := range 4 {
		l.Acked(ID{Producer: 2, Seq: uint64(i)}, 0, int64(i*3), now, now, now)
	}
	e := l.Export("t")
	if len(e.Producers) != 1 || len(e.Producers[0].Acked) != 1 || e.Producers[0].Acked[0] != [4]int64{0, -1, -1, 4} {
		t.Fatalf("got %+v", e.Producers)
	}
}
