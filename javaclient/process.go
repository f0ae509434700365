package javaclient

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/chaosrun/chaosrun/internal/lines"
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
	// readDone is closed by the reader at EOF (or when it gives up).
	readDone chan struct{}
	readOnce sync.Once
	killed   atomic.Bool // by us: its end is not an error
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
	pr := &process{cmd: cmd, log: &tailWriter{}, waited: make(chan struct{}), readDone: make(chan struct{})}
	if logw == nil {
		logw = io.Discard
	}
	cmd.Stderr = io.MultiWriter(logw, pr.log)
	if pr.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	// Our own pipe, not StdoutPipe: Wait would close its read end when the
	// process exits, dropping the last lines (outcomes, "closed") unread.
	stdout, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout = w
	pr.in = bufio.NewWriterSize(pr.stdin, 64<<10)
	pr.out = bufio.NewReaderSize(stdout, 256<<10)
	err = spawn.Start(cmd)
	w.Close() // the child has its copy: EOF comes when it exits
	if err != nil {
		stdout.Close()
		return nil, fmt.Errorf("start the Java client: %w", err)
	}
	go func() {
		pr.err = cmd.Wait()
		close(pr.waited)
	}()
	// A JVM that never gets ready must not hang the run.
	notReady := time.AfterFunc(readyTimeout, pr.kill)
	line, err := pr.line()
	notReady.Stop()
	if err != nil || string(line) != "ready" {
		pr.kill()
		<-pr.waited
		stdout.Close()
		return nil, fmt.Errorf("the Java %s client did not start (%v): %s", mode, pr.err, pr.log.tail())
	}
	go func() { <-pr.waited; drainAndClose(pr, stdout) }()
	return pr, nil
}

// readyTimeout bounds a client's start (JVM, connection-free setup).
const readyTimeout = time.Minute

// drainAndClose closes our read end once the reader is done with it: after
// the process exited the pipe holds at most what it wrote last, which the
// reader consumes until EOF. Closing early would lose it, so this only
// waits for the reader.
func drainAndClose(pr *process, r *os.File) {
	<-pr.readDone
	r.Close()
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
		pr.readOnce.Do(func() { close(pr.readDone) })
		return nil, err
	}
	return b[:len(b)-1], nil
}

// kill ends the process at once, as a crash does.
func (pr *process) kill() {
	select {
	case <-pr.waited:
		return // reaped: its pid (and group) may be someone else's now
	default:
	}
	if pr.cmd.Process != nil {
		pr.killed.Store(true)
		_ = syscall.Kill(-pr.cmd.Process.Pid, syscall.SIGKILL) // its process group
	}
}

// exitError describes how the process ended, with its log's tail.
func (pr *process) exitError() error {
	<-pr.waited
	if pr.err == nil || pr.killed.Load() {
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
	return lines.Tail(strings.TrimSpace(string(t.buf)), 15)
}
