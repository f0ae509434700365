package docker

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/chaosrun/chaosrun/harness"

	"github.com/chaosrun/chaosrun/internal/javaprops"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
)

// Inside every node container. Config files are copied in by the daemon (as
// root, readable by all); data goes under /tmp because images such as the
// official one run Kafka as a non-root user who can write nowhere else.
const (
	containerConfDir = "/etc/chaosrun"
	containerDataDir = "/tmp/chaosrun/data"
	containerClient  = 9092
	containerCtrl    = 9093
	containerIntern  = 9094
)

// dockerJavaOpts are added to every broker JVM in a container; see
// dnsSecurity.
var dockerJavaOpts = []string{"-Djava.security.properties=" + containerConfDir + "/dns.security"}

// dnsSecurity overrides Java's DNS caching. Peers are found by network
// alias; a restarted or rejoined container usually gets a new IP, which the
// default 30 s cache would hide from its peers, and while a node is
// isolated the aliases do not resolve, which the default 10 s negative
// cache would remember past the rejoin.
var dnsSecurity = map[string]string{
	"networkaddress.cache.ttl":          "1",
	"networkaddress.cache.negative.ttl": "1",
}

// dockerAlias is node id's name on the peers network.
func dockerAlias(id int32) string { return fmt.Sprintf("node-%d", id) }

// dockerAddrs lays out listeners inside the containers: everything binds
// all interfaces on fixed ports; peers reach INTERNAL and CONTROLLER by
// alias. CLIENT is advertised at the node's proxy (harness.NodeSpec), not here.
func dockerAddrs(specs []harness.NodeSpec) map[int32]harness.NodeAddrs {
	out := map[int32]harness.NodeAddrs{}
	for _, s := range specs {
		alias := dockerAlias(s.ID)
		a := harness.NodeAddrs{
			ClientBind:         fmt.Sprintf("0.0.0.0:%d", containerClient),
			InternalBind:       fmt.Sprintf("0.0.0.0:%d", containerIntern),
			InternalAdvertised: fmt.Sprintf("%s:%d", alias, containerIntern),
		}
		if s.Controller {
			a.ControllerBind = fmt.Sprintf("0.0.0.0:%d", containerCtrl)
			a.ControllerAdvertised = fmt.Sprintf("%s:%d", alias, containerCtrl)
		}
		out[s.ID] = a
	}
	return out
}

// launcherScript is the container's entrypoint: format storage on the first
// start (a restart finds meta.properties and skips it), then exec the broker
// so it gets docker's signals. Same JVM invocations as the process runtime.
func launcherScript(javaOpts []string, clusterID string, features map[string]int) string {
	conf := func(name string) string { return containerConfDir + "/" + name }
	common := []string{"-Dlog4j2.configurationFile=" + conf("log4j2.properties"), "-cp", ImageLibsDir + "/*"}
	format := slices.Concat([]string{"java"}, harness.ToolJavaOpts, common, []string{
		"kafka.tools.StorageTool", "format", "--cluster-id=" + clusterID, "--config=" + conf("server.properties"),
	})
	names := make([]string, 0, len(features))
	for name := range features {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		format = append(format, "--feature", fmt.Sprintf("%s=%d", name, features[name]))
	}
	broker := slices.Concat([]string{"exec", "java"}, javaOpts, common, []string{"kafka.Kafka", conf("server.properties")})
	return "#!/bin/sh\n# Written by chaosrun: format storage once, then run the broker.\nset -e\n" +
		"mkdir -p " + shellQuote(containerDataDir) + "\n" +
		"if [ ! -f " + shellQuote(containerDataDir+"/meta.properties") + " ]; then\n  " + shellJoin(format) + "\nfi\n" +
		shellJoin(broker) + "\n"
}

// shellJoin joins words into one sh command line, quoting where needed.
func shellJoin(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = shellQuote(w)
	}
	return strings.Join(out, " ")
}

// shellQuote single-quotes s unless it is made only of characters sh takes
// literally.
func shellQuote(s string) string {
	plain := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r)) {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// consoleLog4j logs like the process runtime (WARN, plus the server's
// started/stopped lines) but to stdout, where docker keeps it for LogTail.
func consoleLog4j() map[string]string {
	return map[string]string{
		"status":                         "error",
		"appender.out.type":              "Console",
		"appender.out.name":              "STDOUT",
		"appender.out.layout.type":       "PatternLayout",
		"appender.out.layout.pattern":    "[%d] %p %m (%c)%n",
		"rootLogger.level":               "WARN",
		"rootLogger.appenderRef.out.ref": "STDOUT",
		"logger.server.name":             "kafka.server.KafkaRaftServer",
		"logger.server.level":            "INFO",
	}
}

// containerRequest describes node n's container: both run networks (the
// alias only on peers), CLIENT published on 127.0.0.1 at the planned host
// port, the launcher and config files copied in, run labels.
func (r *Runtime) containerRequest(n *dockerNode) testcontainers.GenericContainerRequest {
	labels := runLabels(r.opts.RunID, r.RunDir())
	labels[labelNode] = strconv.Itoa(int(n.id))
	clientPort := network.MustParsePort(fmt.Sprintf("%d/tcp", containerClient))
	file := func(name, content string, mode int64) testcontainers.ContainerFile {
		return testcontainers.ContainerFile{Reader: strings.NewReader(content), ContainerFilePath: containerConfDir + "/" + name, FileMode: mode}
	}
	return testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image:          r.opts.Image,
			Name:           n.name,
			Labels:         labels,
			Entrypoint:     []string{"/bin/sh", containerConfDir + "/launch.sh"},
			ExposedPorts:   []string{clientPort.String()},
			Networks:       []string{r.nets.clients, r.nets.peers},
			NetworkAliases: map[string][]string{r.nets.peers: {dockerAlias(n.id)}},
			Files: []testcontainers.ContainerFile{
				file("launch.sh", launcherScript(r.javaOpts(), n.clusterID, n.features), 0o755),
				file("server.properties", javaprops.Render(n.props), 0o644),
				file("log4j2.properties", javaprops.Render(consoleLog4j()), 0o644),
				file("dns.security", javaprops.Render(dnsSecurity), 0o644),
			},
			HostConfigModifier: func(hc *container.HostConfig) {
				hc.PortBindings = network.PortMap{clientPort: {{
					HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: strconv.Itoa(n.hostPort),
				}}}
			},
		},
		Started: true,
		Logger:  tclog.NewNoopLogger(),
	}
}

func (r *Runtime) javaOpts() []string { return slices.Concat(r.opts.JavaOpts, dockerJavaOpts) }
