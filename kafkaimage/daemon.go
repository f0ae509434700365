package kafkaimage

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// streamMessage is one line of the daemon's JSON progress stream.
type streamMessage struct {
	Stream string `json:"stream"`
	Status string `json:"status"`
	Error  string `json:"error"`
}

// followStream reads a build or import stream to its end, logging steps
// and returning the first error the daemon reports.
func followStream(r io.Reader, logf func(string, ...any)) error {
	dec := json.NewDecoder(r)
	for {
		var m streamMessage
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("read daemon output: %w", err)
		}
		if m.Error != "" {
			return errors.New(strings.TrimSpace(m.Error))
		}
		if s := strings.TrimSpace(m.Stream); strings.HasPrefix(s, "Step ") {
			logf("  %s", s)
		}
	}
}
