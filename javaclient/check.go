package javaclient

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/chaosrun/chaosrun/internal/lines"
	"github.com/chaosrun/chaosrun/internal/problem"
)

// Check builds a producer (or consumer) with settings, without connecting,
// as the application would: unknown names and values or combinations the
// client refuses come back as problems, each at its setting (no field when
// the client's message names no single setting). On success it returns every
// effective setting (passwords as the client hides them).
func (p Program) Check(ctx context.Context, producer bool, settings map[string]string) (map[string]string, problem.List, error) {
	all := map[string]string{}
	for k, v := range settings {
		all[k] = v
	}
	if all["bootstrap.servers"] == "" {
		all["bootstrap.servers"] = "127.0.0.1:9" // never dialed: the client is closed at once
	}
	dir, path, err := writeProps(all)
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	mode := "check-consumer"
	if producer {
		mode = "check-producer"
	}
	proto := p.command(mode, path)
	cmd := exec.CommandContext(ctx, proto.Path, proto.Args[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 3) {
		return nil, nil, fmt.Errorf("java client check: %w\n%s", err, lines.Tail(stderr.String(), 20))
	}
	values := map[string]string{}
	var problems problem.List
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		kind, rest, _ := strings.Cut(sc.Text(), " ")
		switch kind {
		case "config":
			k, v, _ := strings.Cut(rest, " ")
			values[k] = v
		case "unknown":
			problems = append(problems, problem.Problem{Field: rest, Msg: "not a setting of the Java client " + p.Version})
		case "invalid":
			problems = append(problems, problem.Problem{Field: namedKey(rest, settings), Msg: rest})
		}
	}
	if err != nil && len(problems) == 0 {
		return nil, nil, fmt.Errorf("java client check failed without saying why\n%s", lines.Tail(stderr.String(), 20))
	}
	delete(values, "bootstrap.servers")
	return values, problems, nil
}

// namedKey is the one setting of settings a refusal message names, if any.
func namedKey(msg string, settings map[string]string) string {
	found := ""
	for k := range settings {
		if strings.Contains(msg, k) && len(k) > len(found) {
			found = k
		}
	}
	return found
}
