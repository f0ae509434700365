package harness

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// testNode is a node type for RunBase alone.
type testNode struct{ id int32 }

func newTestBase(t *testing.T) *RunBase[*testNode] {
	t.Helper()
	dir, lock, err := CreateRunDir(t.TempDir(), "unit")
	if err != nil {
		t.Fatal(err)
	}
	b := &RunBase[*testNode]{}
	b.Init("unit", dir, lock)
	t.Cleanup(func() { b.CloseOnce(func() error { b.Shut(nil); return b.Release() }) })
	return b
}

func testLayout(specs []NodeSpec) (map[int32]*testNode, []NodePlan, error) {
	nodes := map[int32]*testNode{}
	for _, s := range specs {
		nodes[s.ID] = &testNode{id: s.ID}
	}
	return nodes, nil, nil
}

func TestRunBasePlansOnceAndWrapsErrors(t *testing.T) {
	b := newTestBase(t)
	specs := []NodeSpec{{ID: 1, Controller: true, ClientAdvertised: "a", ClusterID: "c"}}
	if _, err := b.PlanNodes(nil, testLayout); err == nil || err.Error() != "plan: no nodes" {
		t.Errorf("empty plan: err = %v", err)
	}
	if _, err := b.PlanNodes(specs, testLayout); err != nil {
		t.Fatal(err)
	}
	if _, err := b.PlanNodes(specs, testLayout); err == nil || !strings.Contains(err.Error(), "already planned") {
		t.Errorf("second plan: err = %v", err)
	}
	err := b.Do("stop", 1, func(n *testNode) error { return errors.New("node is planned") })
	if err == nil || err.Error() != "stop node 1: node is planned" {
		t.Errorf("op error: %v", err)
	}
	if err := b.Do("kill", 7, func(*testNode) error { return nil }); err == nil || err.Error() != "kill node 7: unknown node 7" {
		t.Errorf("unknown node: err = %v", err)
	}
}

// TestRunBaseCloseWaitsForOperationsInFlight: Close cancels bound contexts,
// waits for the operation to return, bars new ones and removes the run dir.
func TestRunBaseCloseWaitsForOperationsInFlight(t *testing.T) {
	b := newTestBase(t)
	if _, err := b.PlanNodes([]NodeSpec{{ID: 1, Controller: true, ClientAdvertised: "a", ClusterID: "c"}}, testLayout); err != nil {
		t.Fatal(err)
	}
	started, finished := make(chan struct{}), make(chan struct{})
	go b.Do("start", 1, func(*testNode) error {
		ctx, cancel := b.Bound(context.Background())
		defer cancel()
		close(started)
		<-ctx.Done()
		time.Sleep(50 * time.Millisecond) // Close must still wait
		close(finished)
		return nil
	})
	<-started
	var marked []int32
	err := b.CloseOnce(func() error {
		b.Shut(func(n *testNode) { marked = append(marked, n.id) })
		b.inflight.Wait()
		return b.Release()
	})
	select {
	case <-finished:
	default:
		t.Error("close returned before the operation in flight")
	}
	if err != nil || len(marked) != 1 {
		t.Errorf("close: err %v, marked %v", err, marked)
	}
	if err := b.Do("start", 1, func(*testNode) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("after close: err = %v", err)
	}
	if _, err := os.Stat(b.runDir); !os.IsNotExist(err) {
		t.Errorf("run dir left: %v", err)
	}
	if err := b.CloseOnce(func() error { return errors.New("ran twice") }); err != nil {
		t.Errorf("second close: %v", err)
	}
}
