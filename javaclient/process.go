package javaclient

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"

	"github.com/chaosrun/chaosrun/internal/spawn"
)

// process is one running client: its pipes and the tail of its log.
type process struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	in     *bufio.Writer
	out    *bufio.Reader
	log    *tailWriter
	waited chan struct{}
	err    error // Wait's, once waited is closed
}

// start runs the client in mode with settings (and extra arguments after
// the properties file) and waits for it to say it is ready.
func (p Program) start(mode string, settings map[string]string, logw io.Writer, args ...string) (*process, error) {
	dir, path, err := writeProps(settings)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir) // read by the time the client is ready
	cmd := p.command(append([]string{mode, path}, args...)...)
	cmd.SysProcAttr = spawn.Attr()
	pr := &process{cmd: cmd, log: &tailWriter{}, waited: make(chan struct{})}
	if logw == nil {
		logw = io.Discard
	}
	cmd.Stderr = io.MultiWriter(logw, pr.log)
	if pr.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	pr.in = bufio.NewWriterSize(pr.stdin, 64<<10)
	pr.out = bufio.NewReaderSize(stdout, 256<<10)
	if err := spawn.Start(cmd); err != nil {
		return nil, fmt.Errorf("start the Java client: %w", err)
	}
	go func() {
		pr.err = cmd.Wait()
		close(pr.waited)
	}()
	line, err := pr.line()
	if err != nil || string(line) != "ready" {
		pr.kill()
		<-pr.waited
		return nil, fmt.Errorf("the Java %s client did not start (%v): %s", mode, pr.err, pr.log.tail())
	}
	return pr, nil
}

// line reads the next protocol line, without its newline; it is valid until
// the next read.
func (pr *process) line() ([]byte, error) {
	b, err := pr.out.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		// A long poll line: gather it whole.
		whole := append([]byte(nil), b...)
		for err == bufio.ErrBufferFull {
			b, err = pr.out.ReadSlice('\n')
			whole = append(whole, b...)
		}
		b = whole
	}
	if err != nil {
		return nil, err
	}
	return b[:len(b)-1], nil
}

// kill ends the process at once, as a crash does.
func (pr *process) kill() {
	if pr.cmd.Process != nil {
		_ = syscall.Kill(-pr.cmd.Process.Pid, syscall.SIGKILL) // its process group
	}
}

// exitError describes how the process ended, with its log's tail.
func (pr *process) exitError() error {
	<-pr.waited
	if pr.err == nil {
		return nil
	}
	return fmt.Errorf("java client: %w: %s", pr.err, pr.log.tail())
}

// tailWriter keeps the last lines written to it.
type tailWriter struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tailWriter) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > 16<<10 {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-8<<10:]...)
	}
	return len(b), nil
}

func (t *tailWriter) tail() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return tail(strings.TrimSpace(string(t.buf)), 15)
}
