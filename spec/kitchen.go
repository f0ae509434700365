package spec

import (
	"regexp"
	"strings"
	"time"

	"github.com/chaosrun/chaosrun/faults"
	"github.com/chaosrun/chaosrun/kitchen"
	"github.com/chaosrun/chaosrun/kitchendb"
)

// topicName is what Kafka accepts as a topic name.
var topicName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,249}$`)

// kitchen checks how the kitchen display handles failures, its lookup and
// the order service it calls.
func (c check) kitchen() {
	cs := c.s.Consumer
	_, dlqWritten := c.s.pos["consumer.dead_letter_topic"]
	policy, known := kitchen.LookupPolicy(cs.OnFailure)
	switch {
	case !known:
		c.at("consumer.on_failure", "want %s, got %q", strings.Join(kitchen.PolicyNames(), ", "), cs.OnFailure)
	case dlqWritten && !policy.DeadLetters():
		c.at("consumer.dead_letter_topic", "only on_failure: %s publishes to a dead-letter topic", kitchen.DeadLetter.Name())
	case policy.DeadLetters() && (cs.DeadLetterTopic == "" || cs.DeadLetterTopic == c.s.Topic.Name):
		c.at("consumer.dead_letter_topic", "want a topic other than the scenario's own")
	case policy.DeadLetters() && !topicName.MatchString(cs.DeadLetterTopic):
		c.at("consumer.dead_letter_topic", "Kafka topic names are 1 to 249 letters, digits, '.', '_' or '-', got %q", cs.DeadLetterTopic)
	}
	if cs.MaxAttempts < 1 {
		c.at("consumer.max_attempts", "want at least 1 attempt")
	}
	if cs.RetryBackoff <= 0 || cs.RetryBackoff > time.Minute {
		c.at("consumer.retry_backoff", "want a positive duration up to 1m")
	}
	if cs.Lookup != nil && cs.Lookup.Timeout <= 0 {
		c.at("consumer.lookup.timeout", "want a positive duration")
	}
	if c.s.Sink.Mode != kitchendb.ModeUpsert && c.s.Sink.Mode != kitchendb.ModeInsert {
		c.at("sink.mode", "want upsert (idempotent) or insert (a plain INSERT of new orders), got %q", c.s.Sink.Mode)
	}
	switch b := c.s.Sink.Batch; {
	case b < 0 || b > kitchendb.MaxBatch:
		c.at("sink.batch", "want the most rows one write takes, at most %d (0 or 1: one write per event), got %d", kitchendb.MaxBatch, b)
	case b > 1 && c.s.Sink.Mode != kitchendb.ModeUpsert:
		c.at("sink.batch", "batched writes are one multi-row upsert: they need sink.mode upsert, not %s", c.s.Sink.Mode)
	}
	c.orderService()
}

// orderService checks the service against the lookup that calls it.
func (c check) orderService() {
	svc, lookup := c.s.Service, c.s.Consumer.Lookup != nil
	switch {
	case svc != nil && !lookup:
		c.at("order_service", "nothing calls the order service: add consumer.lookup")
		return
	case svc == nil:
		return
	}
	c.problems("order_service", svc.Service().Check())
}

// needsLookup refuses faults that act on the order service, or poison it
// rejects, where the kitchen display looks nothing up.
func (c check) needsLookup(f Fault, path string) {
	if kind, ok := kitchendb.LookupSink(c.s.Sink.Type); ok && kind.Server == nil {
		if f.Target.Service == faults.KitchenDB {
			c.at(path+".target.service", "the kitchen database is %s, embedded in the consumer: no network to fault (use sink: {type: postgres})", kind.Name)
		}
		if _, server := f.Fault.(faults.ServerFault); server {
			c.at(path+".type", "the kitchen database is %s, embedded in the consumer: no server to fault (use sink: {type: postgres})", kind.Name)
		}
	}
	if c.s.Consumer.Lookup != nil {
		return
	}
	if f.Target.Service == faults.OrderService {
		c.at(path+".target.service", "the scenario runs no order service (add consumer.lookup)")
	}
	if n, ok := f.Fault.(interface{ NeedsOrderService() bool }); ok && n.NeedsOrderService() {
		c.at(path+".kind", "the order service rejects nothing here: the kitchen display looks nothing up (add consumer.lookup)")
	}
}

// Policy is the failure policy on_failure names; Block when it names none
// (validation refuses such a name, and Block asks for nothing more).
func (c Consumer) Policy() kitchen.Policy {
	if p, ok := kitchen.LookupPolicy(c.OnFailure); ok {
		return p
	}
	return kitchen.Block
}

// forwarding names the policies a pipeline can run under: "a, b or c".
func forwarding() string {
	var names []string
	for _, p := range kitchen.Policies() {
		if !p.Parks() {
			names = append(names, p.Name())
		}
	}
	last := len(names) - 1
	return strings.Join(names[:last], ", ") + " or " + names[last]
}
