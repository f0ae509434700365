package freeport

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
)

// lowestPort is the bottom of the range ports are picked from.
const lowestPort = 20000

// handedOut remembers every port this process picked so two plans in one
// process never share a port, even after the first was closed again.
var handedOut = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// Pick returns n distinct ports that are free on 127.0.0.1 now. It
// prefers ports below the kernel's ephemeral range: outgoing connections
// (clients, proxies) then can never take a port while its node is down and
// block the restart. It falls back to kernel-chosen ports.
func Pick(n int) ([]int, error) {
	handedOut.Lock()
	defer handedOut.Unlock()
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	lo, hi := lowestPort, ephemeralLow()
	var ports []int
	for tries := 0; len(ports) < n && tries < 100*n && hi-lo > 10*n; tries++ {
		p := lo + rand.IntN(hi-lo)
		if l, ok := tryListen(p); ok {
			held, ports = append(held, l), append(ports, p)
		}
	}
	for tries := 0; len(ports) < n; tries++ {
		if tries == 100*n {
			return nil, fmt.Errorf("pick %d free ports on 127.0.0.1: none left", n)
		}
		if l, ok := tryListen(0); ok {
			held, ports = append(held, l), append(ports, l.Addr().(*net.TCPAddr).Port)
		}
	}
	for _, p := range ports {
		handedOut.ports[p] = true
	}
	return ports, nil
}

// tryListen binds 127.0.0.1:p unless p was handed out before.
func tryListen(p int) (net.Listener, bool) {
	if p != 0 && handedOut.ports[p] {
		return nil, false
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
	if err != nil {
		return nil, false
	}
	if handedOut.ports[l.Addr().(*net.TCPAddr).Port] {
		l.Close()
		return nil, false
	}
	return l, true
}

// ephemeralLow reads the first port of the kernel's ephemeral range.
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, err := strconv.Atoi(f[0])
	if err != nil {
		return 0
	}
	return v
}

// HostPort joins 127.0.0.1 and a port.
func HostPort(p int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p)) }
