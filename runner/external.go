package runner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/chaosrun/chaosrun/faults"
	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/harness/external"
	"github.com/chaosrun/chaosrun/kafkaconn"
	"github.com/chaosrun/chaosrun/result"
	"github.com/chaosrun/chaosrun/runtimes"
	"github.com/chaosrun/chaosrun/spec"
)

// RuntimeExternal names runs on a cluster chaosrun did not start.
const RuntimeExternal = "external"

// externalOf is the external cluster a run uses: the options' (a --cluster
// file or --bootstrap) before the scenario's own; nil for a started one.
func externalOf(s *spec.Scenario, opts Options) *spec.External {
	if opts.External != nil {
		return opts.External
	}
	return s.Cluster.External
}

// onExternal is s as it runs on an external cluster: every topic and group
// it names gets the prefix and the run id, so it can never meet anything
// that was there, and fault targets follow the renamed topic.
func onExternal(s *spec.Scenario, prefix, runID string) *spec.Scenario {
	rename := func(name string) string { return prefix + name + "-" + runID }
	t := *s
	from := s.Topic.Name
	t.Topic.Name = rename(s.Topic.Name)
	t.Consumer.Group = rename(s.Consumer.Group)
	if t.Consumer.DeadLetterTopic != "" {
		t.Consumer.DeadLetterTopic = rename(s.Consumer.DeadLetterTopic)
	}
	if o := s.Consumer.Output; o != nil {
		out := *o
		out.Topic = rename(o.Topic)
		t.Consumer.Output = &out
	}
	t.Faults = slices.Clone(s.Faults)
	for i := range t.Faults {
		f := &t.Faults[i]
		f.Target = f.Target.Retopic(from, t.Topic.Name)
		if rn, ok := f.Fault.(faults.Renamer); ok {
			f.Fault = rn.Renamed(rename)
		}
	}
	return &t
}

// runNames are the topics and groups a run creates, the ones it must find
// absent before it starts and delete when it ends.
func runNames(s *spec.Scenario) (topics, groups []string) {
	topics, groups = []string{s.Topic.Name}, []string{s.Consumer.Group}
	if s.Consumer.DeadLetterTopic != "" && s.Consumer.Policy().DeadLetters() {
		topics = append(topics, s.Consumer.DeadLetterTopic)
	}
	if o := s.Consumer.Output; o != nil {
		topics = append(topics, o.Topic)
	}
	for _, f := range s.Faults {
		if rn, ok := f.Fault.(faults.Renamer); ok {
			t, g := rn.Names()
			if t != "" && !slices.Contains(topics, t) {
				topics = append(topics, t)
			}
			if g != "" && !slices.Contains(groups, g) {
				groups = append(groups, g)
			}
		}
	}
	return topics, groups
}

// UnfitExternal says why s cannot run on the external cluster ext before
// anything is contacted: a broker fault whose hooks are missing.
func UnfitExternal(s *spec.Scenario, ext *spec.External) error {
	hooks := ext.Hooks.Harness()
	for _, f := range s.Faults {
		n, ok := f.Fault.(faults.Needer)
		if !ok || hooks.Has(n.Needs()) {
			continue
		}
		var need []string
		for _, a := range external.HooksFor(n.Needs()) {
			need = append(need, "hooks."+string(a))
		}
		where := "set them in the cluster file " + ext.File
		switch {
		case ext.File == "":
			where = "--bootstrap has none: describe the cluster in a file with its hooks and pass --cluster FILE"
		case ext.File == s.File:
			where = "set them under cluster.external"
		}
		return s.ErrorAt(f.Path+".type", fmt.Sprintf("%s on an external cluster needs %s (%s); %s",
			f.Type, strings.Join(need, " and "), n.Needs(), where))
	}
	if len(s.Cluster.Features) > 0 {
		return s.ErrorAt("cluster.features", "storage feature levels are chosen when a cluster is formatted; an external cluster's cannot be set or checked here (remove them to run on it)")
	}
	return nil
}

// checkExternal holds the scenario's cluster section against the cluster
// it attached to: the section becomes a list of requirements.
func checkExternal(ctx context.Context, s *spec.Scenario, c *harness.Cluster) error {
	ids := c.NodeIDs()
	if len(ids) < s.Cluster.Nodes {
		return s.ErrorAt("cluster.nodes", fmt.Sprintf("the scenario needs %d brokers; the external cluster has %d (%v)", s.Cluster.Nodes, len(ids), ids))
	}
	for _, f := range s.Faults {
		if n := f.Target.Node; n != 0 && !slices.Contains(ids, n) {
			return s.ErrorAt(f.Path+".target.node", fmt.Sprintf("node %d is not a broker of the external cluster (brokers %v)", n, ids))
		}
	}
	for i, replicas := range s.Topic.Assignment {
		for _, id := range replicas {
			if !slices.Contains(ids, id) {
				return s.ErrorAt(fmt.Sprintf("topic.assignment[%d]", i), fmt.Sprintf("node %d is not a broker of the external cluster (brokers %v)", id, ids))
			}
		}
	}
	if len(s.Cluster.Controllers) > 0 {
		voters, err := c.Voters(ctx)
		if err != nil {
			return fmt.Errorf("the scenario names its KRaft controllers, so the cluster's are checked: %w", err)
		}
		want := slices.Sorted(slices.Values(s.Cluster.Controllers))
		if !slices.Equal(voters, want) {
			return s.ErrorAt("cluster.controllers", fmt.Sprintf("the external cluster's KRaft voters are %v, the scenario needs %v", voters, want))
		}
	}
	configs := c.NodeConfigs()
	for _, kv := range s.Cluster.Broker {
		for _, id := range ids {
			got, ok := configs[id][kv.Key]
			if !ok {
				return s.ErrorAt("cluster.broker."+kv.Key, fmt.Sprintf("the scenario needs %s=%s, and broker %d of the external cluster does not show %s (its configuration could not be read: DescribeConfigs needs the cluster's DescribeConfigs permission)", kv.Key, kv.Value, id, kv.Key))
			}
			if got != kv.Value {
				return s.ErrorAt("cluster.broker."+kv.Key, fmt.Sprintf("broker %d of the external cluster has %s=%s, the scenario needs %s; a run never changes a broker setting of a cluster it did not start",
					id, kv.Key, got, kv.Value))
			}
		}
	}
	return nil
}

// claimNames refuses to go on when a topic or group the run would create
// exists already: on someone else's cluster it is never touched.
func claimNames(ctx context.Context, adm *kadm.Client, topics, groups []string) error {
	td, err := adm.ListTopics(ctx, topics...)
	if err != nil {
		return fmt.Errorf("list topics: %w", err)
	}
	var taken []string
	for _, t := range topics {
		if d, ok := td[t]; ok && d.Err == nil {
			taken = append(taken, "topic "+t)
		}
	}
	listed, err := adm.ListGroups(ctx)
	if err != nil {
		return fmt.Errorf("list groups: %w", err)
	}
	for _, g := range groups {
		if _, ok := listed[g]; ok {
			taken = append(taken, "group "+g)
		}
	}
	if len(taken) > 0 {
		return fmt.Errorf("%s already exist on the external cluster; a run creates its own and never touches others", strings.Join(taken, ", "))
	}
	return nil
}

// releaseNames deletes what the run created; what it could not delete is
// returned, with why. A group whose static members never sent a leave
// (franz-go does not for static members) is emptied first.
func releaseNames(adm *kadm.Client, topics, groups []string) []string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var left []string
	if described, err := adm.DescribeGroups(ctx, groups...); err == nil {
		for _, g := range described {
			var ids []string
			for _, m := range g.Members {
				if m.InstanceID != nil {
					ids = append(ids, *m.InstanceID)
				}
			}
			if len(ids) > 0 {
				if _, err := adm.LeaveGroup(ctx, kadm.LeaveGroup(g.Group).InstanceIDs(ids...)); err != nil {
					left = append(left, fmt.Sprintf("group %s: its static members %v did not leave: %v", g.Group, ids, err))
				}
			}
		}
	}
	if resp, err := adm.DeleteTopics(ctx, topics...); err != nil {
		left = append(left, fmt.Sprintf("topics %v: %v", topics, err))
	} else {
		for _, t := range slices.Sorted(maps.Keys(resp)) {
			if e := resp[t].Err; e != nil && !isUnknown(e) {
				left = append(left, fmt.Sprintf("topic %s: %v", t, e))
			}
		}
	}
	if resp, err := adm.DeleteGroups(ctx, groups...); err != nil {
		left = append(left, fmt.Sprintf("groups %v: %v", groups, err))
	} else {
		for _, g := range slices.Sorted(maps.Keys(resp)) {
			if e := resp[g].Err; e != nil && !isUnknown(e) {
				left = append(left, fmt.Sprintf("group %s: %v", g, e))
			}
		}
	}
	return left
}

// isUnknown is a delete of something that was never created (a dead-letter
// topic nothing was sent to, a group that never committed).
func isUnknown(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "UNKNOWN_TOPIC_OR_PARTITION") || strings.Contains(msg, "GROUP_ID_NOT_FOUND")
}

// brokersNotRunning names the brokers a failed hook or heal left in
// another state than running: the user's to bring back.
func brokersNotRunning(c *harness.Cluster) []string {
	var out []string
	for _, id := range c.NodeIDs() {
		if st, err := c.State(id); err == nil && st != harness.StateRunning {
			out = append(out, fmt.Sprintf("broker %d is %s after the run (a hook or heal failed; see the timeline): bring it back with your start or resume hook", id, st))
		}
	}
	return out
}

// healBudget bounds healing what is still injected at the end: on an
// external cluster each open fault may need a hook and a wait for its
// broker, one after another.
func (r *run) healBudget() time.Duration {
	budget := 2 * time.Minute
	if r.ext != nil {
		hook := cmp.Or(r.ext.Hooks.Timeout, external.DefaultHookTimeout)
		budget = max(budget, time.Duration(len(r.s.Faults))*(hook+harness.DefaultReadyTimeout))
	}
	return budget
}

// externalResult is what the result shows of the cluster: never a secret.
func externalResult(ext *spec.External, sec kafkaconn.Security, topics, groups []string) *result.External {
	out := &result.External{Bootstrap: ext.Bootstrap, Security: sec.String(), Config: ext.Redacted(),
		Topics: topics, Groups: groups}
	for _, a := range external.HookActions {
		if cmd := ext.Hooks.Harness().Commands[a]; strings.TrimSpace(cmd) != "" {
			out.Hooks = append(out.Hooks, string(a))
		}
	}
	return out
}

// recordHooks puts the hook commands that ran on the timeline.
func (r *run) recordHooks(c *harness.Cluster) {
	for _, h := range c.Hooks() {
		detail := fmt.Sprintf("`%s` took %s", h.Command, h.Took.Round(time.Millisecond))
		if h.Output != "" {
			detail += ": " + h.Output
		}
		r.res.Timeline = append(r.res.Timeline, result.TimelineEntry{At: h.At, T: h.At.Sub(r.res.StartedAt).Seconds(),
			Fault: "hook", Action: string(h.Action), Target: fmt.Sprintf("node %d", h.Node), Detail: detail, Error: h.Err})
	}
	slices.SortStableFunc(r.res.Timeline, func(a, b result.TimelineEntry) int { return a.At.Compare(b.At) })
}

var errNotExternal = errors.New("--runtime external needs an external cluster: --cluster FILE, --bootstrap HOST:PORT or cluster.external in the scenario")

// attach attaches to the run's external cluster and holds the scenario's
// cluster section against it.
func (r *run) attach(ctx context.Context) (*harness.Cluster, string, error) {
	r.res.Runtime = RuntimeExternal
	r.res.RuntimeReason = fmt.Sprintf("an external cluster at %s", strings.Join(r.ext.Bootstrap, ","))
	r.logf("runtime %s (%s)", r.res.Runtime, r.res.RuntimeReason)
	sec, err := r.ext.ClientSecurity()
	if err != nil {
		return nil, "", fmt.Errorf("external cluster config: %w", err)
	}
	r.extSec = sec
	cluster, err := external.Attach(ctx, external.Options{Bootstrap: r.ext.Bootstrap, Security: sec,
		Hooks: r.ext.Hooks.Harness(), RunID: r.id, Logf: r.logf, Clean: runtimes.CleanLeftovers})
	if err != nil {
		return nil, "", err
	}
	r.recordCluster(cluster)
	if err := checkExternal(ctx, r.s, cluster); err != nil {
		r.closeCluster(cluster)
		return nil, "", err
	}
	return cluster, cluster.RunDir(), nil
}
