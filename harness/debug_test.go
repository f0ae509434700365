package harness

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestDebugRestart(t *testing.T) {
	libs := testLibs(t)
	ctx := context.Background()
	rt, err := NewProcessRuntime(ProcessOptions{LibsDir: libs, Root: "/tmp/dbg", Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Start(ctx, rt, Config{Logf: t.Logf, ReadyTimeout: 40 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		exec.Command("cp", "-r", rt.RunDir(), "/tmp/dbgcopy").Run()
		c.Close(ctx)
	}()
	b := time.Now()
	err = c.Stop(ctx, 3)
	t.Logf("stop took %s: %v", time.Since(b), err)
	b = time.Now()
	err = c.Start(ctx, 3)
	t.Logf("start took %s: %v", time.Since(b), err)
	for _, a := range c.Bootstrap() {
		cl, _ := kgo.NewClient(kgo.SeedBrokers(a))
		md, err := kadm.NewClient(cl).BrokerMetadata(ctx)
		t.Logf("via %s: %v %v", a, md.Brokers.NodeIDs(), err)
		cl.Close()
	}
}
