package pgserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/chaosrun/chaosrun/internal/freeport"
	"github.com/chaosrun/chaosrun/internal/lines"
	"github.com/chaosrun/chaosrun/internal/procs"
)

// PostgreSQL as a real server for the kitchen display's database, started
// from the machine's own installation (Debian's postgresql package) in the
// run's directory, on a free loopback port. Like the Kafka JVMs it carries
// the run markers on its command line, so a dead run's server is killed by
// the next run's cleanup of leftovers.

// markers are the run markers a server carries, as custom settings
// (-c chaosrun.run=<id>): Clean finds a dead run's server by them.
var markers = procs.Markers{Run: "chaosrun.run=", Dir: "chaosrun.dir="}

// Clean kills the servers of runs whose dir is gone (a dead run's, once
// the cleanup of run dirs has removed it) and says which.
func Clean(logf func(string, ...any)) ([]string, error) {
	return markers.KillOrphans(func(p procs.Marked) string {
		if p.Dir == "" {
			return "/" // no dir marker: not one of ours to judge
		}
		return p.Dir
	}, logf)
}

// PostgresServer is a running PostgreSQL server of one run.
type PostgresServer struct {
	Port     int
	password string // the run's own, random: trust on a TCP port would let any local user in
	bin      string
	dir      string
	cmd      *exec.Cmd
	exited   chan struct{} // closed when the server process is gone
	exitErr  error         // why, once exited is closed
	user     string        // the unprivileged user it runs as, "" for the current one
}

// URL is the server's connection URL for database db, as user chaosrun
// with the run's random password; it is for connecting, never for output.
func (p *PostgresServer) URL(db string) string {
	return fmt.Sprintf("postgres://chaosrun:%s@127.0.0.1:%d/%s?sslmode=disable", p.password, p.Port, db)
}

// FindPostgres returns the directory holding initdb and postgres:
// $CHAOSRUN_PG_BIN, `pg_config --bindir` on PATH, or the newest
// /usr/lib/postgresql/<version>/bin.
func FindPostgres() (string, error) {
	if d := os.Getenv("CHAOSRUN_PG_BIN"); d != "" {
		return checkPGBin(d)
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if d, err := checkPGBin(strings.TrimSpace(string(out))); err == nil {
			return d, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgVersion(dirs[i]) > pgVersion(dirs[j]) })
	for _, d := range dirs {
		if d, err := checkPGBin(d); err == nil {
			return d, nil
		}
	}
	return "", errors.New("no PostgreSQL server installation found (initdb and postgres): install Debian's postgresql package, or set CHAOSRUN_PG_BIN")
}

func checkPGBin(d string) (string, error) {
	for _, b := range []string{"initdb", "postgres", "createdb"} {
		if st, err := os.Stat(filepath.Join(d, b)); err != nil || st.Mode()&0o111 == 0 {
			return "", fmt.Errorf("%s has no executable %s", d, b)
		}
	}
	return d, nil
}

func pgVersion(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// StartPostgres initialises a database cluster under runDir/postgres and
// starts its server, ready to accept connections, with database db. initdb
// refuses to run as root, so as root it runs as the unprivileged user
// "postgres" (Debian's package creates it), or "nobody".
func StartPostgres(ctx context.Context, runDir, runID, db string, logf func(string, ...any)) (*PostgresServer, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	bin, err := FindPostgres()
	if err != nil {
		return nil, err
	}
	p := &PostgresServer{bin: bin, dir: filepath.Join(runDir, "postgres"), exited: make(chan struct{})}
	cred, err := p.unprivileged(runDir)
	if err != nil {
		return nil, err
	}
	began := time.Now()
	pwfile, err := p.writePassword(cred)
	if err != nil {
		return nil, err
	}
	err = p.run(ctx, cred, filepath.Join(bin, "initdb"), "-D", p.data(), "-U", "chaosrun", "--auth=scram-sha-256",
		"--pwfile="+pwfile, "-E", "UTF8", "--locale=C", "--no-sync")
	os.Remove(pwfile)
	if err != nil {
		if p.user != "" && strings.Contains(err.Error(), "permission denied") {
			err = fmt.Errorf("%w (it runs as user %s, who must be able to pass through every directory above %s)", err, p.user, p.dir)
		}
		return nil, fmt.Errorf("initdb: %w", err)
	}
	ports, err := freeport.Pick(1)
	if err != nil {
		return nil, err
	}
	p.Port = ports[0]
	logFile, err := os.Create(filepath.Join(p.dir, "postgres.log"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	// fsync off: the run's data need not survive the machine, and a kitchen
	// database's latency is what faults give it, not the disk's.
	p.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", p.data(), "-p", strconv.Itoa(p.Port),
		"-h", "127.0.0.1", "-k", "", "-c", "fsync=off", "-c", "max_connections=300",
		"-c", markers.Run+runID, "-c", markers.Dir+runDir)
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: cred}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	go func() { p.exitErr = p.cmd.Wait(); close(p.exited) }()
	if err := p.waitReady(ctx, db); err != nil {
		p.Close()
		return nil, fmt.Errorf("postgres on port %d: %w (log: %s)", p.Port, err, p.logTail())
	}
	logf("postgres ready on 127.0.0.1:%d in %s", p.Port, time.Since(began).Round(10*time.Millisecond))
	return p, nil
}

func (p *PostgresServer) data() string { return filepath.Join(p.dir, "data") }

// writePassword picks the run's password and writes it where initdb, run
// as cred, reads it.
func (p *PostgresServer) writePassword(cred *syscall.Credential) (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	p.password = hex.EncodeToString(b)
	f := filepath.Join(p.dir, "pwfile")
	if err := os.WriteFile(f, []byte(p.password+"\n"), 0o600); err != nil {
		return "", err
	}
	if cred != nil {
		if err := os.Chown(f, int(cred.Uid), int(cred.Gid)); err != nil {
			return "", err
		}
	}
	return f, nil
}

// traversable checks that user uid can pass through every directory above
// dir, which a server running as that user needs.
func traversable(dir string, uid int, name string) error {
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil {
			return err
		}
		sys, ok := st.Sys().(*syscall.Stat_t)
		owner := ok && int(sys.Uid) == uid
		if !owner && st.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("PostgreSQL runs as user %s, who cannot pass through %s (mode %s): put runs under a directory others can traverse (TMPDIR)", name, d, st.Mode().Perm())
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

// unprivileged returns the credential to run the server with: nil when not
// root; otherwise an unprivileged user, given the directory it needs.
func (p *PostgresServer) unprivileged(runDir string) (*syscall.Credential, error) {
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return nil, err
	}
	if os.Geteuid() != 0 {
		return nil, nil
	}
	var u *user.User
	var err error
	for _, name := range []string{"postgres", "nobody"} {
		if u, err = user.Lookup(name); err == nil {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("running as root, and no unprivileged user (postgres, nobody) to run PostgreSQL as: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	p.user = u.Username
	// The run dir is private to root; the server only needs to pass through it.
	if err := os.Chmod(runDir, 0o711); err != nil {
		return nil, err
	}
	if err := traversable(p.dir, uid, u.Username); err != nil {
		return nil, err
	}
	if err := os.Chown(p.dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// run runs one setup command to its end, as cred.
func (p *PostgresServer) run(ctx context.Context, cred *syscall.Credential, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	cmd.Dir = p.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s", err, lines.Joined(string(out), 5))
	}
	return nil
}

// waitReady waits until the server takes connections, then creates db.
func (p *PostgresServer) waitReady(ctx context.Context, db string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		select {
		case <-p.exited:
			return fmt.Errorf("exited: %v", p.exitErr)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		c, err := net.DialTimeout("tcp", freeport.HostPort(p.Port), time.Second)
		if err != nil {
			continue
		}
		c.Close()
		// createdb fails while the server is still starting; it is retried
		// until the deadline, and its last error is what a failure reports.
		cmd := exec.CommandContext(ctx, filepath.Join(p.bin, "createdb"), "-h", "127.0.0.1",
			"-p", strconv.Itoa(p.Port), "-U", "chaosrun", db)
		cmd.Env = append(os.Environ(), "PGPASSWORD="+p.password)
		out, err := cmd.CombinedOutput()
		if err == nil {
			return nil
		}
		if !strings.Contains(string(out), "starting up") && !strings.Contains(string(out), "Connection refused") {
			return fmt.Errorf("createdb %s: %v: %s", db, err, lines.Joined(string(out), 3))
		}
	}
}

// Close stops the server (fast shutdown, then SIGKILL) and removes nothing:
// its files go with the run dir.
func (p *PostgresServer) Close() error {
	if p.cmd == nil || p.cmd.Process == nil {
		return nil
	}
	select {
	case <-p.exited:
		return nil
	default:
	}
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGINT) // fast shutdown
	select {
	case <-p.exited:
		return nil
	case <-time.After(10 * time.Second):
	}
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.exited
	return errors.New("postgres did not shut down within 10s and was killed")
}

func (p *PostgresServer) logTail() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "postgres.log"))
	return lines.Joined(string(b), 5)
}
