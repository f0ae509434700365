// Package spawn starts child processes that die with chaosrun.
package spawn

import (
	"os/exec"
	"runtime"
	"sync"
	"syscall"
)

// spawner starts child processes from one OS thread that never exits:
// Pdeathsig fires when the *thread* that forked a child ends, and Go may end
// threads, so without this a child could be killed while we still run.
var spawner struct {
	once sync.Once
	reqs chan spawnReq
}

type spawnReq struct {
	cmd *exec.Cmd
	err chan error
}

// Start starts cmd from the pinned thread. Its SysProcAttr is the caller's;
// Attr is the usual one.
func Start(cmd *exec.Cmd) error {
	spawner.once.Do(func() {
		spawner.reqs = make(chan spawnReq)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread lives as long as we do
			for r := range spawner.reqs {
				r.err <- r.cmd.Start()
			}
		}()
	})
	req := spawnReq{cmd: cmd, err: make(chan error, 1)}
	spawner.reqs <- req
	return <-req.err
}

// Attr puts a child in its own process group, killed when chaosrun dies.
func Attr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
