package external

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/template"
	"time"

	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/internal/lines"
	"github.com/chaosrun/chaosrun/internal/problem"
)

// HookAction is something a user's command does to a broker of a cluster
// chaosrun did not start.
type HookAction string

// Hook actions, one per thing a broker fault does to a node.
const (
	HookKill    HookAction = "kill"
	HookStop    HookAction = "stop"
	HookStart   HookAction = "start"
	HookPause   HookAction = "pause"
	HookResume  HookAction = "resume"
	HookIsolate HookAction = "isolate"
	HookRejoin  HookAction = "rejoin"
)

// HookActions lists every action, in the order documentation shows them.
var HookActions = []HookAction{HookKill, HookStop, HookStart, HookPause, HookResume, HookIsolate, HookRejoin}

// hookNeeds are the actions an ability takes on an external cluster: a
// fault that kills a broker must also be able to bring it back.
var hookNeeds = map[harness.Ability][]HookAction{
	harness.AbilityKill:    {HookKill, HookStart},
	harness.AbilityStop:    {HookStop, HookStart},
	harness.AbilityPause:   {HookPause, HookResume},
	harness.AbilityIsolate: {HookIsolate, HookRejoin},
}

// HooksFor names the actions an ability needs.
func HooksFor(a harness.Ability) []HookAction { return slices.Clone(hookNeeds[a]) }

// Hooks are the user's commands for broker faults on an external cluster.
// A command is a text/template rendered with the node (.Node, its id;
// .Host and .Port, where it advertises itself; .Action) and run by
// /bin/sh -c, with CHAOSRUN_NODE, CHAOSRUN_HOST and CHAOSRUN_PORT set too.
type Hooks struct {
	Commands map[HookAction]string
	Timeout  time.Duration // per command; default 2 minutes
}

// DefaultHookTimeout bounds a hook command unless Hooks.Timeout says otherwise.
const DefaultHookTimeout = 2 * time.Minute

// Has reports whether every action of ability a has a command.
func (h Hooks) Has(a harness.Ability) bool {
	for _, act := range hookNeeds[a] {
		if strings.TrimSpace(h.Commands[act]) == "" {
			return false
		}
	}
	return len(hookNeeds[a]) > 0
}

// Check parses every command's template; each problem's field is its
// action, in sorted order so the report reads the same every time.
func (h Hooks) Check() problem.List {
	var ps problem.List
	for _, act := range slices.Sorted(maps.Keys(h.Commands)) {
		if !slices.Contains(HookActions, act) {
			ps.Add(string(act), "not a hook action (want "+hookList()+")")
			continue
		}
		if _, err := hookTemplate(act, h.Commands[act]); err != nil {
			ps.Add(string(act), err.Error())
		}
	}
	return ps
}

func hookList() string {
	names := make([]string, len(HookActions))
	for i, a := range HookActions {
		names[i] = string(a)
	}
	return lines.OrList(names)
}

func hookTemplate(act HookAction, cmd string) (*template.Template, error) {
	t, err := template.New(string(act)).Option("missingkey=error").Parse(cmd)
	if err != nil {
		return nil, err
	}
	// Render once with sample values, so a field that does not exist fails
	// now rather than mid-run.
	if err := t.Execute(&bytes.Buffer{}, hookData{Node: 1, Host: "broker-1", Port: 9092, Action: string(act)}); err != nil {
		return nil, fmt.Errorf("%w (fields: .Node, .Host, .Port, .Action)", err)
	}
	return t, nil
}

type hookData struct {
	Node   int32
	Host   string
	Port   int32
	Action string
}

// hookRunner runs hook commands and remembers them.
type hookRunner struct {
	hooks Hooks
	mu    sync.Mutex
	runs  []harness.HookRun
}

// run renders and runs act's command for node, waiting for it.
func (r *hookRunner) run(ctx context.Context, act HookAction, node int32, host string, port int32) error {
	cmd := r.hooks.Commands[act]
	if strings.TrimSpace(cmd) == "" {
		return fmt.Errorf("no %s hook is configured", act)
	}
	t, err := hookTemplate(act, cmd)
	if err != nil {
		return fmt.Errorf("%s hook: %w", act, err)
	}
	var line bytes.Buffer
	if err := t.Execute(&line, hookData{Node: node, Host: host, Port: port, Action: string(act)}); err != nil {
		return fmt.Errorf("%s hook: %w", act, err)
	}
	timeout := r.hooks.Timeout
	if timeout <= 0 {
		timeout = DefaultHookTimeout
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c := exec.CommandContext(cctx, "/bin/sh", "-c", line.String())
	c.Env = append(os.Environ(), "CHAOSRUN_NODE="+strconv.Itoa(int(node)), "CHAOSRUN_HOST="+host,
		"CHAOSRUN_PORT="+strconv.Itoa(int(port)), "CHAOSRUN_ACTION="+string(act))
	// Its own process group, so a timeout ends the command's children too.
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }
	c.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	began := time.Now()
	runErr := c.Run()
	hr := harness.HookRun{At: began, Took: time.Since(began), Action: string(act), Node: node, Command: line.String(), Output: lines.Joined(out.String(), 5)}
	switch {
	case runErr == nil:
	case ctx.Err() != nil: // the caller's deadline or cancel, not the hook's
		runErr = fmt.Errorf("stopped: %w", ctx.Err())
	case errors.Is(cctx.Err(), context.DeadlineExceeded):
		runErr = fmt.Errorf("timed out after %s", timeout)
	}
	if runErr != nil {
		hr.Err = runErr.Error()
	}
	r.mu.Lock()
	r.runs = append(r.runs, hr)
	r.mu.Unlock()
	if runErr != nil {
		return fmt.Errorf("%s hook for node %d (%s): %v; output: %s", act, node, hr.Command, runErr, cmp.Or(hr.Output, "(none)"))
	}
	return nil
}

func (r *hookRunner) history() []harness.HookRun {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.runs)
}
